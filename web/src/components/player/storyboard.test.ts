import { describe, expect, it } from "vitest";
import { parseStoryboard, tileAt } from "./storyboard";

const TRACK = `WEBVTT

00:00:00.000 --> 00:00:05.000
storyboard.jpg#xywh=0,0,160,90

00:00:05.000 --> 00:00:10.000
storyboard.jpg#xywh=160,0,160,90

00:01:00.000 --> 00:01:02.500
storyboard.jpg#xywh=0,90,160,90
`;

describe("storyboard", () => {
  it("reads tiles and keeps the track's signed path", () => {
    const tiles = parseStoryboard(TRACK, "/hls/tok.en/abc/storyboard.vtt");
    expect(tiles).toHaveLength(3);
    expect(tiles[1]).toEqual({ start: 5, end: 10, url: "/hls/tok.en/abc/storyboard.jpg", x: 160, y: 0, w: 160, h: 90 });
    expect(tiles[2].start).toBe(60);
  });

  it("finds the tile of a time", () => {
    const tiles = parseStoryboard(TRACK, "/hls/t/v/storyboard.vtt");
    expect(tileAt(tiles, 0)?.x).toBe(0);
    expect(tileAt(tiles, 7.5)?.x).toBe(160);
    expect(tileAt(tiles, 61)?.y).toBe(90);
    expect(tileAt([], 3)).toBeNull();
  });

  it("skips what is not a cue", () => {
    expect(parseStoryboard("WEBVTT\n\nNOTE hi\n\n00:00.000 --> 00:01.000\nno-fragment.jpg\n", "/x.vtt")).toEqual([]);
  });
});
