// What the lesson page shows for each way playback can be refused or stop.
import { ApiError, type Schemas } from "./api/client";

export type LiveSession = Schemas["PlaybackSessionRead"];

export type PlaybackProblem =
  | { kind: "stream_limit"; message: string; sessions: LiveSession[] }
  | { kind: "play_limit"; message: string }
  | { kind: "not_enrolled"; message: string }
  | { kind: "not_ready"; message: string }
  | { kind: "pending"; message: string; progress: number; retryAfter: number }
  | { kind: "ended"; message: string }
  | { kind: "signed_out"; message: string }
  | { kind: "other"; message: string };

const ACCESS_ENDED =
  "Your access to this lesson ended: your membership lapsed or ended, the course was refunded, your team seat was taken back, you signed out, or another device took over.";

/** Why a session ended, in the viewer's words (the server sends the reason it recorded). */
export function endedMessage(reason: string | null | undefined): string {
  switch (reason) {
    case "evicted":
      return "Another device started watching this course, so playback stopped here.";
    case "refunded":
    case "disputed":
      return "Your access to this course ended: the payment was refunded or disputed.";
    case "seat_reassigned":
      return "Your team seat on this course was given to someone else, so playback stopped.";
    case "seat_released":
    case "seats_refunded":
      return "Your team seat on this course was taken back, so playback stopped.";
    case "gift_revoked":
      return "The gift of this course was refunded, so playback stopped.";
    case "membership_ended":
      return "Your membership ended, so playback of this course stopped. Join a plan again to keep watching.";
    case "ended":
      return "This playback session was ended (for example from another device).";
    default:
      return "This playback session timed out. Start it again to keep watching.";
  }
}

/** How many seconds a player waiting for its protected copy (F7) waits before asking
 * again: what the server said (Retry-After), kept between 2 and 30 s. */
export function retryDelay(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds)) return 5;
  return Math.max(2, Math.min(30, seconds));
}

/** Turns an API error from starting or keeping playback into what the viewer can do next. */
export function playbackProblem(error: unknown): PlaybackProblem {
  if (!(error instanceof ApiError)) {
    return { kind: "other", message: error instanceof Error ? error.message : "Playback failed." };
  }
  switch (error.code) {
    case "stream_limit": {
      const detail = error.detail as { sessions?: LiveSession[] } | null;
      return { kind: "stream_limit", message: error.message, sessions: detail?.sessions ?? [] };
    }
    case "play_limit":
      return { kind: "play_limit", message: error.message };
    case "not_enrolled":
      return { kind: "not_enrolled", message: error.message };
    case "protected_copy_pending": {
      const detail = error.detail as { progress?: number; retry_after?: number } | null;
      return {
        kind: "pending",
        message: "Preparing your protected copy…",
        progress: Math.max(0, Math.min(1, detail?.progress ?? 0)),
        retryAfter: retryDelay(detail?.retry_after),
      };
    }
    case "video_not_ready":
      return { kind: "not_ready", message: "This video is still being prepared. Try again in a few minutes." };
    case "playback_ended":
      return { kind: "ended", message: endedMessage((error.detail as { reason?: string | null } | null)?.reason) };
    case "playback_not_allowed":
    case "invalid_media_token":
      return { kind: "ended", message: ACCESS_ENDED };
    case "not_authenticated":
    case "invalid_token":
      return { kind: "signed_out", message: "You were signed out. Sign in again to keep watching." };
    default:
      return { kind: "other", message: error.message };
  }
}

/** A media error from the player (hls.js). A refused key or playlist means the session
 * ended or lost its access: that stops playback even when hls.js would keep going on what
 * it buffered, because the next period's key will be refused too. */
export function mediaProblem(status: number | undefined, fatal: boolean, details?: string): PlaybackProblem | null {
  const refusedKey = details === "keyLoadError" && status !== undefined && [401, 403, 410, 429].includes(status);
  if (!fatal && !refusedKey) return null;
  if (status === 401) return { kind: "signed_out", message: "You were signed out. Sign in again to keep watching." };
  if (status === 429) {
    return { kind: "ended", message: "Playback was stopped: video keys were requested faster than the video plays." };
  }
  if (status === 403 || status === 410) return { kind: "ended", message: ACCESS_ENDED };
  return { kind: "other", message: "The video could not be loaded. Check your connection and try again." };
}

/** Where the watermark goes next: a pseudo-random spot that stays inside the frame. */
export function watermarkSpot(tick: number): { top: number; left: number } {
  const x = Math.abs(Math.sin(tick * 12.9898) * 43758.5453) % 1;
  const y = Math.abs(Math.sin(tick * 78.233) * 12345.6789) % 1;
  return { top: 5 + y * 75, left: 5 + x * 60 };
}
