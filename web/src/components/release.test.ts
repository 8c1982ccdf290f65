import { describe, expect, it } from "vitest";
import { describeRelease } from "./release";

describe("drip release wording", () => {
  it("says when a lesson opens", () => {
    expect(describeRelease(null)).toBeNull();
    expect(describeRelease({ after_days: 1, on: null })).toBe("opens 1 day after you enroll");
    expect(describeRelease({ after_days: 7, on: null })).toBe("opens 7 days after you enroll");
    expect(describeRelease({ after_days: 0, on: null })).toBeNull();
    expect(describeRelease({ after_days: null, on: "2030-01-02T12:00:00Z" })).toMatch(/2030/);
  });
});
