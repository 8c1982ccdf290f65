import { describe, expect, it } from "vitest";
import { ApiError } from "./api/client";
import { claimProblem } from "./claims";

describe("claim refusals", () => {
  it("name the case and keep the server's message", () => {
    const claimed = claimProblem(new ApiError(409, "gift_already_claimed", "This gift has already been claimed."));
    expect(claimed).toEqual({
      kind: "claimed",
      title: "Already claimed",
      message: "This gift has already been claimed.",
      final: true,
    });
    expect(claimProblem(new ApiError(410, "gift_refunded", "refunded")).kind).toBe("refunded");
    expect(claimProblem(new ApiError(404, "gift_not_found", "No such gift")).kind).toBe("invalid");
    expect(claimProblem(new ApiError(410, "seat_released", "released")).kind).toBe("released");
    expect(claimProblem(new ApiError(409, "seat_already_claimed", "x")).kind).toBe("claimed");
  });

  it("keep the link for another account when only this one cannot use it", () => {
    const mismatch = claimProblem(new ApiError(403, "seat_email_mismatch", "another address"));
    expect(mismatch.kind).toBe("mismatch");
    expect(mismatch.final).toBe(false);
    const owned = claimProblem(new ApiError(409, "already_enrolled", "You already have this course"));
    expect(owned.kind).toBe("owned");
    expect(owned.final).toBe(false);
    const offline = claimProblem(new TypeError("Failed to fetch"));
    expect(offline).toMatchObject({ kind: "other", message: "Failed to fetch", final: false });
  });
});
