import { beforeEach, describe, expect, it } from "vitest";
import { initialLanguage, saveChoice, savedChoice, toggled, transcriptLanguage } from "./captions";

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

describe("the transcript's language", () => {
  it("follows the captions chosen", () => {
    expect(transcriptLanguage(["de", "en"], "en", ["de"])).toBe("en");
  });

  it("without a choice, takes the browser's language when a track has it", () => {
    expect(transcriptLanguage(["de", "en"], null, ["en-US", "de"])).toBe("en");
    expect(transcriptLanguage(["de", "en"], null, ["fr", "de-AT"])).toBe("de");
    expect(transcriptLanguage(["pt", "pt-BR"], null, ["pt-BR"])).toBe("pt-BR");
  });

  it("else takes the first track", () => {
    expect(transcriptLanguage(["de", "en"], null, ["fr"])).toBe("de");
    expect(transcriptLanguage(["de", "en"], "it", [])).toBe("de");
    expect(transcriptLanguage([], null, ["en"])).toBeNull();
  });
});
