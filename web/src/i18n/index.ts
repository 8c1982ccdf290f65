import i18n from "i18next";
import { initReactI18next } from "react-i18next";

// Every `locales/<language>/<namespace>.json` is shipped: a new namespace or language is a
// new file, nothing to register. Strings are plain text (React escapes them), never HTML.
const files = import.meta.glob<{ default: Record<string, unknown> }>("../locales/*/*.json", {
  eager: true,
});

export const resources: Record<string, Record<string, Record<string, unknown>>> = {};
for (const [path, module] of Object.entries(files)) {
  const [, language, namespace] = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path) ?? [];
  if (!language || !namespace) continue;
  (resources[language] ??= {})[namespace] = module.default;
}

export const LANGUAGES = ["en", "de"] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_NAMES: Record<Language, string> = { en: "English", de: "Deutsch" };
const STORED = "coursevault.language";

/** A shipped language for CODE ("de-AT" → "de"), or null: unknown codes are not an error. */
export function shipped(code: string | null | undefined): Language | null {
  const base = (code ?? "").toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : null;
}

/** The language to show before the account is known: the one chosen on this browser,
 * else the browser's first shipped language, else English. */
export function initialLanguage(): Language {
  let stored: string | null;
  try {
    stored = window.localStorage.getItem(STORED);
  } catch {
    stored = null;
  }
  const candidates = [stored, ...(typeof navigator === "undefined" ? [] : (navigator.languages ?? []))];
  for (const code of candidates) {
    const language = shipped(code);
    if (language) return language;
  }
  return "en";
}

/** Shows LANGUAGE (English for a code not shipped) and remembers it on this browser. */
export async function chooseLanguage(code: string | null | undefined): Promise<Language> {
  const language = shipped(code) ?? "en";
  try {
    window.localStorage.setItem(STORED, language);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page.
  }
  if (i18n.language !== language) await i18n.changeLanguage(language);
  document.documentElement.lang = language;
  return language;
}

void i18n.use(initReactI18next).init({
  resources,
  lng: typeof window === "undefined" ? "en" : initialLanguage(),
  fallbackLng: "en",
  defaultNS: "common",
  ns: Object.keys(resources.en ?? {}),
  // React escapes what it renders; i18next escaping on top would show "&amp;".
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

export default i18n;
