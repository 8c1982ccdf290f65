import { useEffect, useRef } from "react";
import { endPlayback } from "../../api/playback";
import { cancelScheduledEnd, scheduleEnd } from "./endSession";

/** Ends the session when the player goes away (frees the stream slot at once): on unmount
 * with the last position, and with a keepalive request when the tab is closed. */
export function useEndOnLeave(sessionId: string, lastPosition: () => number | null): void {
  const latest = useRef(lastPosition);
  useEffect(() => {
    latest.current = lastPosition;
  });

  useEffect(() => {
    cancelScheduledEnd(sessionId);
    // A keepalive request still goes out while the page unloads; its answer is not needed.
    const leave = () => void endPlayback(sessionId, { keepalive: true }).catch(() => undefined);
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      scheduleEnd(sessionId, latest.current());
    };
  }, [sessionId]);
}
