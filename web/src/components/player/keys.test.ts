import { describe, expect, it } from "vitest";
import { actionFor, ownsKeys, perform } from "./keys";

function fakeVideo(): HTMLMediaElement {
  const video = document.createElement("video");
  Object.defineProperty(video, "duration", { value: 60 });
  return video;
}

describe("player keys", () => {
  it("maps the usual shortcuts", () => {
    expect(actionFor(" ")).toEqual({ kind: "toggle-play" });
    expect(actionFor("k")).toEqual({ kind: "toggle-play" });
    expect(actionFor("j")).toEqual({ kind: "seek", by: -10 });
    expect(actionFor("L")).toEqual({ kind: "seek", by: 10 });
    expect(actionFor("ArrowLeft")).toEqual({ kind: "seek", by: -5 });
    expect(actionFor("m")).toEqual({ kind: "mute" });
    expect(actionFor("x")).toBeNull();
  });
  it("seeks within the video and steps the volume", () => {
    const video = fakeVideo();
    video.currentTime = 3;
    perform({ kind: "seek", by: -10 }, video, null);
    expect(video.currentTime).toBe(0);
    video.volume = 0.95;
    perform({ kind: "volume", by: 0.1 }, video, null);
    expect(video.volume).toBe(1);
    perform({ kind: "mute" }, video, null);
    expect(video.muted).toBe(true);
  });
  it("leaves keys typed into controls alone", () => {
    const button = document.createElement("button");
    const div = document.createElement("div");
    expect(ownsKeys(button)).toBe(true);
    expect(ownsKeys(div)).toBe(false);
  });
});
