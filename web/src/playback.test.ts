import { describe, expect, it } from "vitest";
import { ApiError, type ErrorCodeOrStatus } from "./api/client";
import { mediaProblem, playbackProblem, retryDelay, watermarkSpot } from "./playback";

describe("playbackProblem", () => {
  it("lists the other devices at the stream limit", () => {
    const sessions = [
      {
        id: "s1",
        video_id: "v1",
        device: "Laptop",
        started_at: "2026-01-01T00:00:00Z",
        last_seen: "2026-01-01T00:01:00Z",
      },
    ];
    const problem = playbackProblem(new ApiError(409, "stream_limit", "Too many devices", { sessions }));
    expect(problem).toEqual({ kind: "stream_limit", message: "Too many devices", sessions });
  });

  it("tolerates a stream limit without details", () => {
    const problem = playbackProblem(new ApiError(409, "stream_limit", "Too many", null));
    expect(problem.kind === "stream_limit" && problem.sessions).toEqual([]);
  });

  it.each<[ErrorCodeOrStatus, string]>([
    ["play_limit", "play_limit"],
    ["not_enrolled", "not_enrolled"],
    ["video_not_ready", "not_ready"],
    ["playback_ended", "ended"],
    ["playback_not_allowed", "ended"],
    ["invalid_media_token", "ended"],
    ["invalid_token", "signed_out"],
    ["not_authenticated", "signed_out"],
    ["course_not_found", "other"],
    ["http_502", "other"],
  ])("maps %s to %s", (code, kind) => {
    expect(playbackProblem(new ApiError(403, code, "m")).kind).toBe(kind);
  });

  it("waits for the protected copy with its progress and the server's delay (F7)", () => {
    const problem = playbackProblem(
      new ApiError(409, "protected_copy_pending", "m", { progress: 0.25, retry_after: 7 }),
    );
    expect(problem).toEqual({
      kind: "pending",
      message: "Preparing your protected copy…",
      progress: 0.25,
      retryAfter: 7,
    });
    const bare = playbackProblem(new ApiError(409, "protected_copy_pending", "m", null));
    expect(bare.kind === "pending" && [bare.progress, bare.retryAfter]).toEqual([0, 5]);
  });

  it("keeps the retry delay between 2 and 30 seconds", () => {
    expect([retryDelay(0), retryDelay(5), retryDelay(600), retryDelay(undefined), retryDelay(NaN)]).toEqual([
      2, 5, 30, 5, 5,
    ]);
  });

  it("handles network errors", () => {
    expect(playbackProblem(new TypeError("Failed to fetch"))).toEqual({ kind: "other", message: "Failed to fetch" });
  });
});

describe("endedMessage", () => {
  it("words the reason the server recorded", () => {
    const ended = (reason: string | null) =>
      playbackProblem(new ApiError(410, "playback_ended", "m", { reason })).message;
    expect(ended("evicted")).toMatch(/Another device/);
    expect(ended("refunded")).toMatch(/refunded/);
    expect(ended("seat_reassigned")).toMatch(/seat .* given to someone else/);
    expect(ended("seat_released")).toMatch(/seat .* taken back/);
    expect(ended("gift_revoked")).toMatch(/gift .* refunded/);
    expect(ended("membership_ended")).toMatch(/membership ended/);
    expect(ended(null)).toMatch(/timed out/);
  });
});

describe("mediaProblem", () => {
  it("ignores errors hls.js recovers from", () => {
    expect(mediaProblem(403, false)).toBeNull();
    expect(mediaProblem(500, false, "keyLoadError")).toBeNull();
  });
  it("stops at a refused key even before hls.js gives up", () => {
    expect(mediaProblem(403, false, "keyLoadError")?.kind).toBe("ended");
    expect(mediaProblem(429, false, "keyLoadError")?.message).toMatch(/faster/);
    expect(mediaProblem(401, false, "keyLoadError")?.kind).toBe("signed_out");
  });
  it("treats a refused key as an ended session", () => {
    expect(mediaProblem(403, true)?.kind).toBe("ended");
    // Refused keys carry no reason: the message names the ways access ends, memberships too.
    expect(mediaProblem(403, false, "keyLoadError")?.message).toMatch(/membership lapsed or ended/);
    expect(mediaProblem(401, true)?.kind).toBe("signed_out");
    expect(mediaProblem(undefined, true)?.kind).toBe("other");
  });
});

describe("watermarkSpot", () => {
  it("moves and stays inside the frame", () => {
    const spots = Array.from({ length: 50 }, (_, i) => watermarkSpot(i));
    for (const { top, left } of spots) {
      expect(top).toBeGreaterThanOrEqual(5);
      expect(top).toBeLessThanOrEqual(80);
      expect(left).toBeGreaterThanOrEqual(5);
      expect(left).toBeLessThanOrEqual(65);
    }
    expect(new Set(spots.map((s) => `${s.top},${s.left}`)).size).toBeGreaterThan(40);
  });
});
