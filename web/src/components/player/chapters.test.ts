import { describe, expect, it } from "vitest";
import { clock, currentChapter } from "./Chapters";

describe("chapters", () => {
  const chapters = [
    { start: 0, title: "A" },
    { start: 65, title: "B" },
    { start: 3600, title: "C" },
  ];
  it("formats times as the instructor typed them", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(65.9)).toBe("1:05");
    expect(clock(3601)).toBe("1:00:01");
  });
  it("finds the chapter being watched", () => {
    expect(currentChapter(chapters, 0)).toBe(0);
    expect(currentChapter(chapters, 64.9)).toBe(0);
    expect(currentChapter(chapters, 65)).toBe(1);
    expect(currentChapter(chapters, 9999)).toBe(2);
    expect(currentChapter([{ start: 10, title: "late" }], 3)).toBe(-1);
  });
});
