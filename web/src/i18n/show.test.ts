// The language on screen when fetching one goes wrong: a failed fetch leaves English (the
// app still renders), and of two quick choices the last one stays.
import { afterEach, describe, expect, it, vi } from "vitest";
import i18n, { chooseLanguage, fetcher } from "./index";

afterEach(async () => {
  vi.restoreAllMocks();
  await chooseLanguage("en");
});

describe("showing a language", () => {
  it("falls back to English when its strings cannot be fetched", async () => {
    vi.spyOn(fetcher, "load").mockRejectedValue(new TypeError("Failed to fetch dynamically imported module"));
    await expect(chooseLanguage("de")).resolves.toBe("en");
    expect(i18n.language).toBe("en");
    expect(document.documentElement.lang).toBe("en");
  });

  it("keeps the last choice when an earlier one arrives later", async () => {
    let arrive: () => void = () => undefined;
    vi.spyOn(fetcher, "load").mockImplementation((language) =>
      language === "de" ? new Promise<void>((done) => (arrive = done)) : Promise.resolve(),
    );
    const german = chooseLanguage("de"); // slow: still fetching
    await chooseLanguage("en"); // chosen meanwhile
    arrive();
    await german;
    expect(i18n.language).toBe("en");
    expect(document.documentElement.lang).toBe("en");
  });
});
