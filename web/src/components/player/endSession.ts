import { endPlayback, heartbeat } from "../../api/playback";

const pendingEnds = new Map<string, number>();

/** Stores the last position (when known), then ends the session. Failures are ignored on
 * purpose: the page is going away, and an unended session expires with its lease. */
export async function endSession(id: string, position: number | null): Promise<void> {
  pendingEnds.delete(id);
  try {
    if (position !== null) await heartbeat(id, position);
    await endPlayback(id);
  } catch {
    // the lease ends the session within COURSEVAULT_PLAYBACK_LEASE_SECONDS anyway
  }
}

/** Ends the session one tick later, unless `cancelScheduledEnd` runs first: React's
 * development double-mount (StrictMode) unmounts and mounts again at once. */
export function scheduleEnd(id: string, position: number | null): void {
  pendingEnds.set(
    id,
    window.setTimeout(() => void endSession(id, position), 0),
  );
}

export function cancelScheduledEnd(id: string): void {
  window.clearTimeout(pendingEnds.get(id));
  pendingEnds.delete(id);
}
