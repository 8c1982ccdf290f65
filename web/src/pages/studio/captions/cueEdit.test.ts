import { describe, expect, it } from "vitest";
import {
  cueAt,
  formatClock,
  insertAfter,
  joinText,
  mergeWithNext,
  parseClock,
  removeCue,
  splitCue,
  splitText,
  toEdit,
  toSave,
  type EditCue,
} from "./cueEdit";

const plain = (cues: EditCue[]) => cues.map(({ start, end, text }) => [start, end, text]);

describe("times", () => {
  it("reads s, m:ss and h:mm:ss with a fraction", () => {
    expect(parseClock("1:02.5")).toBe(62.5);
    expect(parseClock(" 0:03,25 ")).toBe(3.25);
    expect(parseClock("7")).toBe(7);
    expect(parseClock("75.5")).toBe(75.5);
    expect(parseClock("1:02:03.1")).toBe(3723.1);
    expect(parseClock("12:00")).toBe(720);
  });

  it("refuses what is not a time", () => {
    for (const bad of ["", "abc", "1:60", "1:75:00", "-1", "1:2:3:4", "1.2.3", "1:", ":5"]) {
      expect(parseClock(bad), bad).toBeNull();
    }
  });

  it("writes tenths, or hundredths when the time has them", () => {
    expect(formatClock(62.5)).toBe("1:02.5");
    expect(formatClock(3.27)).toBe("0:03.27");
    expect(formatClock(0)).toBe("0:00.0");
    expect(formatClock(3723)).toBe("1:02:03.0");
    expect(formatClock(59.999)).toBe("1:00.0");
    for (const t of [0.04, 1.5, 12.34, 599.99, 3600.1]) expect(parseClock(formatClock(t))).toBe(t);
  });
});

describe("editing cues", () => {
  const cues = () =>
    toEdit([
      { start: 0, end: 2, text: "Welcome to the course." },
      { start: 2, end: 4.5, text: "In this lesson" },
      { start: 5, end: 6, text: "we look" },
    ]);

  it("splits the text at the cursor and the time at the midpoint", () => {
    const split = splitCue(cues(), 0, "Welcome".length);
    expect(plain(split).slice(0, 2)).toEqual([
      ["0:00.0", "0:01.0", "Welcome"],
      ["0:01.0", "0:02.0", "to the course."],
    ]);
    expect(split).toHaveLength(4);
    expect(new Set(split.map((c) => c.key)).size).toBe(4);
  });

  it("splits at the space nearest the middle without a cursor inside", () => {
    expect(splitText("Welcome to the course.")).toEqual(["Welcome to", "the course."]);
    expect(splitText("Welcome to the course.", 22)).toEqual(["Welcome to", "the course."]); // at the end
    expect(splitText("two\nlines")).toEqual(["two", "lines"]);
    expect(splitText("Word")).toBeNull();
    const one = cues();
    one[2].text = "alone";
    expect(splitCue(one, 2)).toBe(one);
  });

  it("merges with the next cue", () => {
    const merged = mergeWithNext(cues(), 0);
    expect(plain(merged)).toEqual([
      ["0:00.0", "0:04.5", "Welcome to the course. In this lesson"],
      ["0:05.0", "0:06.0", "we look"],
    ]);
    const last = cues();
    expect(mergeWithNext(last, 2)).toBe(last);
    expect(joinText("a".repeat(30), "b".repeat(20))).toBe(`${"a".repeat(30)}\n${"b".repeat(20)}`);
    expect(joinText("one\ntwo", "three")).toBe("one two three");
  });

  it("deletes and adds cues", () => {
    expect(plain(removeCue(cues(), 1)).map((c) => c[2])).toEqual(["Welcome to the course.", "we look"]);
    const added = insertAfter(cues(), 1);
    expect(plain(added)[2]).toEqual(["0:04.5", "0:05.0", ""]); // up to the next cue
    expect(plain(insertAfter(cues(), 2))[3]).toEqual(["0:06.0", "0:08.0", ""]);
    expect(plain(insertAfter([], -1))).toEqual([["0:00.0", "0:02.0", ""]]);
  });

  it("saves seconds, or names the cue whose time cannot be read", () => {
    expect(toSave(cues())).toEqual({
      cues: [
        { start: 0, end: 2, text: "Welcome to the course." },
        { start: 2, end: 4.5, text: "In this lesson" },
        { start: 5, end: 6, text: "we look" },
      ],
    });
    const typo = cues();
    typo[1].end = "0:4x";
    expect(toSave(typo)).toEqual({ cue: 1, field: "end" });
  });

  it("finds the cue playing now", () => {
    expect(cueAt(cues(), 2.1)).toBe(1);
    expect(cueAt(cues(), 4.7)).toBe(-1);
  });
});
