import { beforeEach, describe, expect, it } from "vitest";
import { initialLanguage, saveChoice, savedChoice, toggled } from "./captions";

describe("caption choice", () => {
  beforeEach(() => localStorage.clear());

  it("is remembered, off included", () => {
    expect(savedChoice()).toBeNull();
    saveChoice("de");
    expect(savedChoice()).toBe("de");
    saveChoice(null);
    expect(savedChoice()).toBe("off");
  });

  it("starts with the saved language only when the lesson has it", () => {
    expect(initialLanguage(["en", "de"], "de")).toBe("de");
    expect(initialLanguage(["en"], "de")).toBeNull();
    expect(initialLanguage(["en"], "off")).toBeNull();
    expect(initialLanguage(["en"], null)).toBeNull();
  });

  it("toggles with C between off and a language", () => {
    expect(toggled("en", ["en", "de"], "en")).toBeNull();
    expect(toggled(null, ["en", "de"], "de")).toBe("de");
    expect(toggled(null, ["en", "de"], "off")).toBe("en");
    expect(toggled(null, [], null)).toBeNull();
  });
});
