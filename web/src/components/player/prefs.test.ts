import { beforeEach, describe, expect, it } from "vitest";
import { saveSound, savedSound, saveSpeed, savedSpeed, steppedSpeed, steppedVolume } from "./prefs";

describe("remembered volume and speed", () => {
  beforeEach(() => localStorage.clear());

  it("starts at full volume, unmuted, at 1×", () => {
    expect(savedSound()).toEqual({ volume: 1, muted: false });
    expect(savedSpeed()).toBe(1);
  });

  it("remembers what was chosen", () => {
    saveSound({ volume: 0.4, muted: true });
    saveSpeed(1.5);
    expect(savedSound()).toEqual({ volume: 0.4, muted: true });
    expect(savedSpeed()).toBe(1.5);
  });

  it("ignores stored values it could not have written", () => {
    for (const bad of ["{", "7", '{"volume": 3}', '{"volume": "0.5"}', "null", '{"volume": -1}']) {
      localStorage.setItem("coursevault.volume", bad);
      expect(savedSound()).toEqual({ volume: 1, muted: false });
    }
    for (const bad of ["16", "abc", "", "0"]) {
      localStorage.setItem("coursevault.speed", bad);
      expect(savedSpeed()).toBe(1);
    }
    saveSpeed(16); // not a speed the menu offers: not stored
    expect(localStorage.getItem("coursevault.speed")).toBe("0");
  });

  it("steps speed along the menu's list and volume by tenths, within bounds", () => {
    expect(steppedSpeed(1, 1)).toBe(1.25);
    expect(steppedSpeed(2, 1)).toBe(2);
    expect(steppedSpeed(0.5, -1)).toBe(0.5);
    expect(steppedSpeed(3, -1)).toBe(0.75); // an unknown speed steps from 1×
    expect(steppedVolume(0.95, 0.1)).toBe(1);
    expect(steppedVolume(0.05, -0.1)).toBe(0);
    expect(steppedVolume(0.3, 0.1)).toBe(0.4);
  });
});
