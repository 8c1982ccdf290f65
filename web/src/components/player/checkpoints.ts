// Checkpoints (Q3): questions pinned to a second of a video. The key server refuses every
// key period that starts after a checkpoint the viewer has not passed (of those the session
// is held to), so the player must stop there itself, ask, and then make hls.js fetch again.

export type Checkpoint = { id: string; at: number };

/** How close (s) to a checkpoint counts as having reached it: timeupdate fires about every
 * 250 ms, so playback is stopped at most that late and put back to the second. */
export const REACHED = 0.05;

/** The checkpoints the player stops at: those the server holds this session to (its
 * playback start's `checkpoints`: none for staff, nor for exempt preview viewers), plus any
 * a refused key named (the server's word, even if the start did not list it); once each. */
export function enforcedCheckpoints(held: Checkpoint[], refused: Checkpoint[]): Checkpoint[] {
  const seen = new Set(held.map((c) => c.id));
  return [...held, ...refused.filter((c) => !seen.has(c.id) && seen.add(c.id))];
}

/** The ids that stop playback: every held checkpoint once the viewer's passes are KNOWN
 * (before that a passed one would flash its question), and every refused one at once. */
export function gatedIds(held: Checkpoint[], refused: Checkpoint[], known: boolean): ReadonlySet<string> {
  return new Set([...(known ? held : []), ...refused].map((c) => c.id));
}

/** The first checkpoint at or before TIME that is gated (GATED ids) and not yet passed:
 * the one the viewer must answer before watching at TIME, or null. */
export function blockingCheckpoint(
  checkpoints: Checkpoint[],
  gated: ReadonlySet<string>,
  passed: ReadonlySet<string>,
  time: number,
): Checkpoint | null {
  let found: Checkpoint | null = null;
  for (const c of checkpoints) {
    if (!gated.has(c.id) || passed.has(c.id) || c.at > time + REACHED) continue;
    if (!found || c.at < found.at) found = c;
  }
  return found;
}

/** Where playback at TIME must be put back to: the blocking checkpoint's second when TIME
 * is past it (a seek or a late timeupdate), else TIME itself. */
export function heldPosition(blocking: Checkpoint | null, time: number): number {
  return blocking && time > blocking.at ? blocking.at : time;
}

type ErrorDetail = { checkpoint_id?: unknown; at?: unknown };

/** The checkpoint a refused key names (403 `checkpoint_required`, body {error: {code,
 * detail: {checkpoint_id, at}}}), or null for any other refusal. BODY is what the key
 * loader received: an ArrayBuffer (keys are binary), a string or parsed JSON. */
export function checkpointRefusal(status: number | undefined, body: unknown): Checkpoint | null {
  if (status !== 403 || body == null) return null;
  let parsed: unknown = body;
  try {
    // By its shape, not instanceof: a buffer may come from another realm (a worker, a test).
    if (typeof body === "object" && "byteLength" in body) {
      parsed = JSON.parse(new TextDecoder().decode(body as ArrayBuffer));
    } else if (typeof body === "string") {
      parsed = JSON.parse(body);
    }
  } catch {
    return null;
  }
  const error = (parsed as { error?: { code?: unknown; detail?: ErrorDetail } } | null)?.error;
  if (error?.code !== "checkpoint_required") return null;
  const { checkpoint_id: id, at } = error.detail ?? {};
  return typeof id === "string" && typeof at === "number" ? { id, at } : null;
}

/** Seconds from "m:ss", "h:mm:ss" or plain seconds ("90", "1:30.5"); null if unreadable. */
export function parseClock(text: string): number | null {
  const parts = text.trim().split(":");
  if (!parts[0] || parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return null;
  const values = parts.map(Number);
  if (values.slice(1).some((v) => v >= 60)) return null;
  return values.reduce((total, v) => total * 60 + v, 0);
}
