import { describe, expect, it } from "vitest";
import { highlightParts } from "./highlight";

const marked = (text: string, ranges: [number, number][]) =>
  highlightParts(text, ranges)
    .map((p) => (p.mark ? `[${p.text}]` : p.text))
    .join("");

describe("highlightParts", () => {
  it("marks the ranges and keeps every character once", () => {
    expect(marked("every segment gets its own key", [[6, 13]])).toBe("every [segment] gets its own key");
    expect(
      marked("key and keys", [
        [0, 3],
        [8, 12],
      ]),
    ).toBe("[key] and [keys]");
    expect(marked("plain", [])).toBe("plain");
    expect(highlightParts("", [])).toEqual([{ text: "", mark: false }]);
  });

  it("counts UTF-16 code units, as the server does", () => {
    // "é" is one unit, "🎬" two: the offsets index the JavaScript string directly.
    const text = "Café 🎬 über Schlüssel";
    const start = text.indexOf("über");
    expect(start).toBe(8);
    expect(marked(text, [[start, start + 4]])).toBe("Café 🎬 [über] Schlüssel");
    expect(marked("日本語の字幕", [[4, 6]])).toBe("日本語の[字幕]");
  });

  it("sorts, merges and clamps sloppy ranges", () => {
    expect(
      marked("abcdef", [
        [4, 6],
        [0, 2],
        [1, 3],
      ]),
    ).toBe("[abc]d[ef]");
    expect(
      marked("abcdef", [
        [2, 3],
        [3, 4],
      ]),
    ).toBe("ab[cd]ef");
    expect(
      marked("abc", [
        [-2, 1],
        [2, 99],
        [2, 2],
      ]),
    ).toBe("[a]b[c]");
  });

  it("keeps a line break as text", () => {
    expect(highlightParts("two\nlines", [[4, 9]])).toEqual([
      { text: "two\n", mark: false },
      { text: "lines", mark: true },
    ]);
  });
});
