import { describe, expect, it } from "vitest";
import { dropPosition, staysPut } from "./lessonDrag";

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
