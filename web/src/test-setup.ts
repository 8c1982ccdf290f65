// Unit tests render in English, as a new visitor without a language would see the app; the
// other languages are loaded up front (the app fetches them when shown) so a test can ask
// for German with `i18n.getFixedT("de", ...)`.
import i18n, { LANGUAGES, loadLanguage } from "./i18n";

await Promise.all(LANGUAGES.map(loadLanguage));
await i18n.changeLanguage("en");
