// Unit tests render in English, as a new visitor without a language would see the app.
import i18n from "./i18n";

await i18n.changeLanguage("en");
