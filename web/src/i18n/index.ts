import i18n from "i18next";
import { initReactI18next } from "react-i18next";

// Every `locales/<language>/<namespace>.json` is shipped: a new namespace or language is a
// new file, nothing to register. Strings are plain text (React escapes them), never HTML.
// English is in the main bundle (every other language falls back to it); another language
// is a chunk of its own, fetched when it is chosen, so a lesson page loads one language.
type Tree = Record<string, unknown>;
const english = import.meta.glob<{ default: Tree }>("../locales/en/*.json", { eager: true });
const others = import.meta.glob<{ default: Tree }>(["../locales/*/*.json", "!../locales/en/*.json"]);

function place(path: string): [string, string] | null {
  const [, language, namespace] = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path) ?? [];
  return language && namespace ? [language, namespace] : null;
}

/** The strings loaded so far, by language and namespace (`loadLanguage` adds to it). */
export const resources: Record<string, Record<string, Tree>> = {};
for (const [path, module] of Object.entries(english)) {
  const [language, namespace] = place(path) ?? [];
  if (language && namespace) (resources[language] ??= {})[namespace] = module.default;
}

/** Fetches LANGUAGE's strings once (English is always there) and hands them to i18next. */
export async function loadLanguage(language: string): Promise<void> {
  if (resources[language]) return;
  const files = Object.entries(others).filter(([path]) => place(path)?.[0] === language);
  const loaded = await Promise.all(
    files.map(async ([path, load]) => [place(path)![1], (await load()).default] as const),
  );
  resources[language] = Object.fromEntries(loaded);
  for (const [namespace, tree] of loaded) i18n.addResourceBundle(language, namespace, tree, true, true);
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

/** The language on screen now (one of LANGUAGES). */
export function shownLanguage(): Language {
  return shipped(i18n.language) ?? "en";
}

/** How `show` fetches a language (a test replaces it to make a fetch slow or fail). */
export const fetcher = { load: loadLanguage };
let latest = 0;

/** Shows LANGUAGE once its strings are here. The last call wins (a German chunk that
 * arrives after English was chosen does not switch back), and a chunk that cannot be
 * fetched (offline, an old page after a deploy) leaves the page in English, never blank. */
async function show(language: Language): Promise<Language> {
  const call = ++latest;
  let shown: Language = language;
  try {
    await fetcher.load(language);
  } catch {
    shown = "en";
  }
  if (call !== latest) return shipped(i18n.language) ?? "en";
  if (i18n.language !== shown) await i18n.changeLanguage(shown);
  document.documentElement.lang = shown;
  return shown;
}

/** Shows LANGUAGE (English for a code not shipped) and remembers it on this browser. */
export async function chooseLanguage(code: string | null | undefined): Promise<Language> {
  const language = shipped(code) ?? "en";
  try {
    window.localStorage.setItem(STORED, language);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page.
  }
  return show(language);
}

void i18n.use(initReactI18next).init({
  resources,
  lng: "en",
  fallbackLng: "en",
  defaultNS: "common",
  ns: Object.keys(resources.en ?? {}),
  // React escapes what it renders; i18next escaping on top would show "&amp;".
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

/** Settles when the language to show first (this browser's choice or its languages) is
 * loaded and shown: the app renders after it, so a German visitor never sees English first
 * and screen readers read the page in its language from the first paint. */
export const ready: Promise<Language> = typeof window === "undefined" ? Promise.resolve("en") : show(initialLanguage());

export default i18n;
