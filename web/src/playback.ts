// What the lesson page shows for each way playback can be refused or stop.
import { ApiError, type Schemas } from "./api/client";
import i18n from "./i18n";

const t = i18n.getFixedT(null, "playback");

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

const accessEnded = () => t("accessEnded");
const signedOut = () => t("signedOut");

/** Why a session ended, in the viewer's words (the server sends the reason it recorded). */
export function endedMessage(reason: string | null | undefined): string {
  switch (reason) {
    case "evicted":
      return t("ended.evicted");
    case "refunded":
    case "disputed":
      return t("ended.refunded");
    case "seat_reassigned":
      return t("ended.seatReassigned");
    case "seat_released":
    case "seats_refunded":
      return t("ended.seatReleased");
    case "gift_revoked":
      return t("ended.giftRevoked");
    case "membership_ended":
      return t("ended.membershipEnded");
    case "ended":
      return t("ended.ended");
    default:
      return t("ended.timedOut");
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
    return { kind: "other", message: error instanceof Error ? error.message : t("failed") };
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
        message: t("preparing"),
        progress: Math.max(0, Math.min(1, detail?.progress ?? 0)),
        retryAfter: retryDelay(detail?.retry_after),
      };
    }
    case "video_not_ready":
      return { kind: "not_ready", message: t("notReady") };
    case "playback_ended":
      return { kind: "ended", message: endedMessage((error.detail as { reason?: string | null } | null)?.reason) };
    case "playback_not_allowed":
    case "invalid_media_token":
      return { kind: "ended", message: accessEnded() };
    case "not_authenticated":
    case "invalid_token":
      return { kind: "signed_out", message: signedOut() };
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
  if (status === 401) return { kind: "signed_out", message: signedOut() };
  if (status === 429) return { kind: "ended", message: t("keysTooFast") };
  if (status === 403 || status === 410) return { kind: "ended", message: accessEnded() };
  return { kind: "other", message: t("loadFailed") };
}

/** Where the watermark goes next: a pseudo-random spot that stays inside the frame. */
export function watermarkSpot(tick: number): { top: number; left: number } {
  const x = Math.abs(Math.sin(tick * 12.9898) * 43758.5453) % 1;
  const y = Math.abs(Math.sin(tick * 78.233) * 12345.6789) % 1;
  return { top: 5 + y * 75, left: 5 + x * 60 };
}
