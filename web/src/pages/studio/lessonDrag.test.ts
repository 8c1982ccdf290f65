import { describe, expect, it } from "vitest";
import { dropPosition, intoEmpty, landing, staysPut } from "./lessonDrag";

// The move API takes the lesson out first, then inserts it at the position it is sent.
describe("where a dropped lesson goes", () => {
  const a = (index: number) => ({ sectionId: "a", index });
  const b = (index: number) => ({ sectionId: "b", index });

  it("lands before or after the lesson it was dropped on, in the same section", () => {
    expect(dropPosition(a(2), a(0), "before")).toBe(0); // third onto the top of the first
    expect(dropPosition(a(2), a(0), "after")).toBe(1);
    expect(dropPosition(a(0), a(2), "after")).toBe(2); // first below the third
    expect(dropPosition(a(0), a(2), "before")).toBe(1);
  });

  it("lands at the target's place in another section", () => {
    expect(dropPosition(a(0), b(1), "before")).toBe(1);
    expect(dropPosition(a(3), b(1), "after")).toBe(2);
  });

  it("knows a drop next to where the lesson already is changes nothing", () => {
    expect(staysPut(a(1), a(2), "before")).toBe(true);
    expect(staysPut(a(1), a(0), "after")).toBe(true);
    expect(staysPut(a(1), a(0), "before")).toBe(false);
    expect(staysPut(a(1), b(1), "before")).toBe(false);
  });
});

describe("where a moved lesson is announced", () => {
  const a = (index: number) => ({ sectionId: "a", index });

  it("counts the lesson in when it comes from another section", () => {
    // The first of a's lessons put last into b, which had 3: lesson 4 of 4.
    expect(landing(a(0), "b", 3, 3)).toEqual({ position: 4, total: 4 });
    expect(landing(a(2), "b", 0, 3)).toEqual({ position: 1, total: 4 });
  });

  it("keeps the count within its own section", () => {
    expect(landing(a(0), "a", 2, 3)).toEqual({ position: 3, total: 3 });
    expect(landing(a(2), "a", 0, 3)).toEqual({ position: 1, total: 3 });
  });

  it("puts a lesson dropped onto an empty section in it, as its only lesson", () => {
    const to = intoEmpty("b");
    expect(staysPut(a(1), to, "before")).toBe(false);
    const position = dropPosition(a(1), to, "before");
    expect(position).toBe(0);
    expect(landing(a(1), "b", position, 0)).toEqual({ position: 1, total: 1 });
  });
});
