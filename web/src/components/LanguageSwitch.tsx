import { useTranslation } from "react-i18next";
import { useAuth } from "../auth";
import { LANGUAGE_NAMES, LANGUAGES, shipped } from "../i18n";

/** The account menu's language: shown at once, kept on this browser and, signed in, on
 * the account (its mail and the server's messages follow it). Each language is named in
 * itself, so whoever cannot read the page still finds their own. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const { setLanguage } = useAuth();
  return (
    // The menu closes on a click inside it; choosing from the list must not close it.
    <label className="language-switch" onClick={(event) => event.stopPropagation()}>
      <span className="sr-only">{t("language.label")}</span>
      <select value={shipped(i18n.language) ?? "en"} onChange={(event) => void setLanguage(event.target.value)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
