import { describe, expect, it } from "vitest";
import { actionFor, ownsKeys } from "./keys";

describe("player keys", () => {
  it("maps the usual shortcuts, in either case", () => {
    expect(actionFor(" ")).toEqual({ kind: "toggle-play" });
    expect(actionFor("k")).toEqual({ kind: "toggle-play" });
    expect(actionFor("j")).toEqual({ kind: "seek", by: -10 });
    expect(actionFor("L")).toEqual({ kind: "seek", by: 10 });
    expect(actionFor("ArrowLeft")).toEqual({ kind: "seek", by: -5 });
    expect(actionFor("ArrowDown")).toEqual({ kind: "volume", by: -0.1 });
    expect(actionFor("M")).toEqual({ kind: "mute" });
    expect(actionFor(">")).toEqual({ kind: "speed", by: 1 });
    expect(actionFor("<")).toEqual({ kind: "speed", by: -1 });
    expect(actionFor("c")).toEqual({ kind: "captions" });
  });

  it("ignores other keys", () => {
    expect(actionFor("x")).toBeNull();
    expect(actionFor("Enter")).toBeNull();
    expect(actionFor("")).toBeNull();
  });

  it("leaves keys typed into controls alone, and takes the rest", () => {
    const button = document.createElement("button");
    const range = Object.assign(document.createElement("input"), { type: "range" });
    const text = document.createElement("input");
    const div = document.createElement("div");
    expect(ownsKeys(button, " ")).toBe(true);
    expect(ownsKeys(button, "m")).toBe(false);
    expect(ownsKeys(range, "ArrowUp")).toBe(true);
    expect(ownsKeys(range, "m")).toBe(false);
    expect(ownsKeys(text, "m")).toBe(true);
    expect(ownsKeys(div, " ")).toBe(false);
    expect(ownsKeys(null, " ")).toBe(false);
  });
});
