import { describe, expect, it } from "vitest";
import { bufferedAround, clock, tapSeek } from "./time";

const ranges = (...spans: [number, number][]) =>
  ({ length: spans.length, start: (i: number) => spans[i][0], end: (i: number) => spans[i][1] }) as TimeRanges;

describe("player time", () => {
  it("reads seconds as a clock", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(65.9)).toBe("1:05");
    expect(clock(3723)).toBe("1:02:03");
    expect(clock(Number.NaN)).toBe("0:00");
    expect(clock(Infinity)).toBe("0:00");
    expect(clock(-4)).toBe("0:00");
  });

  it("finds the buffered range being played", () => {
    expect(bufferedAround(ranges([0, 10], [30, 40]), 32)).toEqual([30, 40]);
    expect(bufferedAround(ranges([0, 10]), 5)).toEqual([0, 10]);
    expect(bufferedAround(ranges([30, 40]), 5)).toBeNull();
    expect(bufferedAround(null, 5)).toBeNull();
  });

  it("seeks 10 s on a double tap in the left or right third", () => {
    expect(tapSeek(10, 300)).toBe(-10);
    expect(tapSeek(150, 300)).toBe(0);
    expect(tapSeek(290, 300)).toBe(10);
    expect(tapSeek(10, 0)).toBe(0);
  });
});
