// Every string the web app shows exists in every shipped language (issue #28): the locale
// files agree key for key, every key the code asks for resolves, and no JSX shows a literal
// a translator never saw. The code is read with the TypeScript parser, not regular
// expressions, so a string is found wherever it sits in the tree.
import { act, createElement, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { useTranslation } from "react-i18next";
import ts from "typescript";
import { afterEach, describe, expect, it, vi } from "vitest";
import i18n, { chooseLanguage, initialLanguage, LANGUAGES, loadLanguage, resources, shipped } from "./index";

const sources = import.meta.glob<string>(["../**/*.{ts,tsx}", "!../**/*.test.{ts,tsx}", "!../**/*.d.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Words on screen that are the same in every language. */
const SAME_IN_EVERY_LANGUAGE = new Set(["CourseVault"]);

/** Keys built at run time (`t(\`speed.${x}\`)`), per file: every key such a call can ask for.
 * Prefer a `t("literal")` per case; list a file here only when that cannot be. */
const DYNAMIC_KEYS: Record<string, string[]> = {};

/** Attributes whose value is read or shown to people. */
const SHOWN_ATTRIBUTES = new Set(["aria-label", "title", "placeholder", "alt", "label", "aria-description"]);

const PLURAL = /_(zero|one|two|few|many|other)$/;
const LETTER = /\p{L}/u;

type Flat = Map<string, string>;

function flatten(tree: Record<string, unknown>, prefix = "", into: Flat = new Map()): Flat {
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object") flatten(value as Record<string, unknown>, path, into);
    else into.set(path, typeof value === "string" ? value : `<not a string: ${String(value)}>`);
  }
  return into;
}

await Promise.all(LANGUAGES.map(loadLanguage));
const flat: Record<string, Record<string, Flat>> = Object.fromEntries(
  Object.entries(resources).map(([language, namespaces]) => [
    language,
    Object.fromEntries(Object.entries(namespaces).map(([ns, tree]) => [ns, flatten(tree)])),
  ]),
);

const categories = (language: string) => new Intl.PluralRules(language).resolvedOptions().pluralCategories as string[];
const variables = (text: string) => [...text.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).filter((v) => v !== "count");

/** The keys without their plural suffix, each with its plural forms (empty: not plural). */
function baseKeys(keys: Flat): Map<string, { forms: string[]; vars: Set<string> }> {
  const bases = new Map<string, { forms: string[]; vars: Set<string> }>();
  for (const [key, value] of keys) {
    const form = PLURAL.exec(key)?.[1];
    const base = form ? key.slice(0, -form.length - 1) : key;
    const entry = bases.get(base) ?? { forms: [], vars: new Set<string>() };
    if (form) entry.forms.push(form);
    variables(value).forEach((v) => entry.vars.add(v));
    bases.set(base, entry);
  }
  return bases;
}

describe("locale files", () => {
  it("have the same keys in every shipped language, none empty, none HTML", () => {
    const problems: string[] = [];
    const namespaces = new Set(LANGUAGES.flatMap((language) => Object.keys(flat[language] ?? {})));
    for (const ns of namespaces) {
      const english = flat.en[ns];
      if (!english) {
        problems.push(`en/${ns}.json is missing (it is the reference every language follows)`);
        continue;
      }
      const reference = baseKeys(english);
      for (const language of LANGUAGES) {
        const file = `${language}/${ns}.json`;
        const keys = flat[language]?.[ns];
        if (!keys) {
          problems.push(`${file} is missing`);
          continue;
        }
        for (const [key, value] of keys) {
          if (!value.trim()) problems.push(`${file}: "${key}" is empty`);
          if (/<\/?[a-z][^>]*>/i.test(value)) problems.push(`${file}: "${key}" holds HTML (strings are text)`);
        }
        const mine = baseKeys(keys);
        const needed = categories(language);
        for (const [base, { forms, vars }] of reference) {
          const own = mine.get(base);
          if (!own) {
            problems.push(`${file}: "${base}" is missing`);
            continue;
          }
          if (forms.length > 0 || own.forms.length > 0) {
            const missing = needed.filter((form) => !own.forms.includes(form));
            const extra = own.forms.filter((form) => form !== "zero" && !needed.includes(form));
            if (missing.length) problems.push(`${file}: "${base}" lacks the plural forms ${missing.join(", ")}`);
            if (extra.length) problems.push(`${file}: "${base}" has plural forms ${language} has not: ${extra}`);
          }
          const lost = [...vars].filter((v) => !own.vars.has(v));
          const added = [...own.vars].filter((v) => !vars.has(v));
          if (lost.length || added.length)
            problems.push(
              `${file}: "${base}" uses {{${[...own.vars].join(", ")}}}, English {{${[...vars].join(", ")}}}`,
            );
        }
        for (const base of mine.keys())
          if (!reference.has(base)) problems.push(`${file}: "${base}" is not in en/${ns}.json`);
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });
});

// ---- reading the code ---------------------------------------------------------------

interface Use {
  file: string;
  line: number;
  key: string;
  plural: boolean;
  ns: string | null; // from `ns:key` or `{ ns: "…" }`
}

interface Scan {
  uses: Use[];
  namespaces: Map<string, string[]>; // per file, from useTranslation / getFixedT
  problems: string[];
}

function parse(path: string, text: string): ts.SourceFile {
  const kind = path.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
}

// Paths as the glob names them: "../pages/Course.tsx" from here, "./index.ts" beside this file.
const fileName = (path: string) => (path.startsWith("./") ? `src/i18n/${path.slice(2)}` : `src/${path.slice(3)}`);
const lineOf = (source: ts.SourceFile, node: ts.Node) =>
  source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
const literal = (node: ts.Node | undefined): string | null =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;

function calleeName(call: ts.CallExpression): string | null {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return null;
}

/** `t(…)`, `i18n.t(…)`, `i18next.t(…)`: a translation lookup. */
function isLookup(call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text === "t";
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === "t" &&
    ts.isIdentifier(callee.expression) &&
    ["i18n", "i18next"].includes(callee.expression.text)
  );
}

function option(call: ts.CallExpression, name: string): ts.Expression | null {
  const options = call.arguments[1];
  if (!options || !ts.isObjectLiteralExpression(options)) return null;
  for (const property of options.properties) {
    if ((ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) && property.name) {
      if (ts.isIdentifier(property.name) && property.name.text === name)
        return ts.isPropertyAssignment(property) ? property.initializer : property.name;
    }
  }
  return null;
}

function scan(): Scan {
  const result: Scan = { uses: [], namespaces: new Map(), problems: [] };
  for (const [path, text] of Object.entries(sources)) {
    const file = fileName(path);
    const source = parse(path, text);
    const own: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isCallExpression(node)) {
        const name = calleeName(node);
        if (name === "useTranslation" || name === "getFixedT") {
          const arg = node.arguments[name === "useTranslation" ? 0 : 1];
          const names = !arg
            ? ["common"]
            : ts.isArrayLiteralExpression(arg)
              ? arg.elements.map((e) => literal(e))
              : [literal(arg)];
          for (const ns of names) {
            if (ns) own.push(ns);
            else result.problems.push(`${file}:${lineOf(source, node)}: ${name} needs literal namespaces`);
          }
        } else if (isLookup(node)) {
          const key = literal(node.arguments[0]);
          const ns = literal(option(node, "ns") ?? undefined);
          const plural = option(node, "count") !== null;
          const line = lineOf(source, node);
          if (key !== null) result.uses.push({ file, line, key, plural, ns });
          else if (DYNAMIC_KEYS[file])
            DYNAMIC_KEYS[file].forEach((k) => result.uses.push({ file, line, key: k, plural, ns }));
          else
            result.problems.push(
              `${file}:${line}: the key \`${node.arguments[0]?.getText(source)}\` is built at run time ` +
                '(write t("literal") per case, or list its keys in DYNAMIC_KEYS)',
            );
        }
      } else if (ts.isJsxAttribute(node) && node.name.getText(source) === "i18nKey") {
        const key = literal(node.initializer);
        if (key) result.uses.push({ file, line: lineOf(source, node), key, plural: false, ns: null });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    result.namespaces.set(file, own.length ? own : ["common"]);
  }
  return result;
}

function resolves(language: string, ns: string, key: string, plural: boolean): boolean {
  const keys = flat[language]?.[ns];
  if (!keys) return false;
  if (keys.has(key)) return true;
  return plural && categories(language).every((form) => keys.has(`${key}_${form}`));
}

/** The literal text an expression shows, where it is shown as is: a string, a template's
 * own words, either branch of `?:`, either side of `||`/`??`/`+`, the right of `&&`. A
 * call's arguments (t("key"), a format) and conditions are not shown. */
function shownLiterals(node: ts.Expression): ts.Node[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return LETTER.test(node.text) ? [node] : [];
  if (ts.isTemplateExpression(node)) {
    const words = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join("");
    return LETTER.test(words) ? [node] : [];
  }
  if (ts.isParenthesizedExpression(node)) return shownLiterals(node.expression);
  if (ts.isConditionalExpression(node)) return [...shownLiterals(node.whenTrue), ...shownLiterals(node.whenFalse)];
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return shownLiterals(node.right);
    if ([ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.PlusToken].includes(op))
      return [...shownLiterals(node.left), ...shownLiterals(node.right)];
  }
  return [];
}

/** Text in JSX that does not go through t(): its file:line and the text. */
function untranslated(): string[] {
  const found: string[] = [];
  for (const [path, text] of Object.entries(sources)) {
    if (!path.endsWith(".tsx")) continue;
    const file = fileName(path);
    const source = parse(path, text);
    const report = (node: ts.Node, what: string) => {
      const words = ts.isStringLiteral(node) || ts.isJsxText(node) ? node.text.trim() : node.getText(source);
      found.push(`${file}:${lineOf(source, node)}: ${what} ${JSON.stringify(words)}`);
    };
    const visit = (node: ts.Node) => {
      if (ts.isJsxText(node)) {
        const words = node.text.trim();
        if (LETTER.test(words) && !SAME_IN_EVERY_LANGUAGE.has(words)) report(node, "text");
      } else if (ts.isJsxAttribute(node)) {
        const name = node.name.getText(source);
        const value = node.initializer;
        if (SHOWN_ATTRIBUTES.has(name) && value) {
          if (ts.isStringLiteral(value)) {
            if (LETTER.test(value.text) && !SAME_IN_EVERY_LANGUAGE.has(value.text)) report(value, name);
          } else if (ts.isJsxExpression(value) && value.expression) {
            shownLiterals(value.expression).forEach((n) => report(n, name));
          }
        }
        if (name === "dangerouslySetInnerHTML" && /\bt\(/.test(node.getText(source)))
          report(node, "a translation rendered as HTML");
      } else if (ts.isJsxExpression(node) && node.expression && !ts.isJsxAttribute(node.parent)) {
        shownLiterals(node.expression).forEach((n) => report(n, "text"));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe("strings in the code", () => {
  const { uses, namespaces, problems } = scan();

  it("finds the code it reads", () => {
    expect(Object.keys(sources)).toContain("../App.tsx");
    expect(uses.length).toBeGreaterThan(100);
  });

  it("ask only for keys every shipped language has", () => {
    const missing = [...problems];
    for (const use of uses) {
      const [prefix, rest] = use.key.includes(":") ? use.key.split(/:(.*)/s) : [null, use.key];
      const candidates = prefix ? [prefix] : use.ns ? [use.ns] : (namespaces.get(use.file) ?? ["common"]);
      for (const language of LANGUAGES) {
        if (!candidates.some((ns) => resolves(language, ns, rest, use.plural)))
          missing.push(`${use.file}:${use.line}: "${use.key}" has no ${language} text in ${candidates.join(" or ")}`);
      }
    }
    expect(missing, missing.join("\n")).toEqual([]);
  });

  it("show no text that skips t()", () => {
    const found = untranslated();
    expect(found, found.join("\n")).toEqual([]);
  });
});

// ---- bad input -------------------------------------------------------------------------

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe("choosing a language", () => {
  afterEach(async () => {
    vi.restoreAllMocks();
    await chooseLanguage("en");
  });

  it("falls back to English for a language that is not shipped, without an error", async () => {
    expect(shipped("fr-FR")).toBeNull();
    expect(shipped("")).toBeNull();
    expect(shipped(undefined)).toBeNull();
    await chooseLanguage("de");
    await expect(chooseLanguage("fr-FR")).resolves.toBe("en");
    expect(i18n.language).toBe("en");
    expect(document.documentElement.lang).toBe("en");
    await expect(chooseLanguage("<script>")).resolves.toBe("en");
  });

  it("shows a regional variant of a shipped language in that language", async () => {
    await expect(chooseLanguage("de-AT")).resolves.toBe("de");
    expect(document.documentElement.lang).toBe("de");
    expect(i18n.t("nav.catalog")).toBe("Katalog");
  });

  it("starts in the browser's first shipped language, else English", () => {
    window.localStorage.clear();
    const languages = vi.spyOn(navigator, "languages", "get");
    languages.mockReturnValue(["fr-CH", "de-CH", "en"]);
    expect(initialLanguage()).toBe("de");
    languages.mockReturnValue(["fr-CH", "it"]);
    expect(initialLanguage()).toBe("en");
  });
});

describe("a translation", () => {
  it("is rendered as text, never as HTML", async () => {
    i18n.addResourceBundle("en", "probe", { greeting: "<b>Hello</b> {{name}}" });
    function Probe(): ReactNode {
      const { t } = useTranslation("probe");
      return createElement("p", null, t("greeting", { name: "<img src=x onerror=alert(1)>" }));
    }
    const container = document.createElement("div");
    const root = createRoot(container);
    await act(async () => root.render(createElement(Probe)));
    expect(container.querySelector("b, img")).toBeNull();
    expect(container.textContent).toBe("<b>Hello</b> <img src=x onerror=alert(1)>");
    act(() => root.unmount());
    i18n.removeResourceBundle("en", "probe");
  });
});
