import { useCallback, useEffect, useRef } from "react";
import { heartbeat } from "../../api/playback";
import { playbackProblem, type PlaybackProblem } from "../../playback";

/** Renews the session's lease every `intervalSeconds` and stores the position; returns
 * `beat` so the player can also report at once (on pause, or where playing stood before a
 * seek: `at`). A refused heartbeat pauses the video and reports why. */
export function useHeartbeat(
  sessionId: string,
  intervalSeconds: number,
  position: () => number,
  onRefused: (problem: PlaybackProblem) => void,
  pause: () => void,
): (at?: number) => Promise<void> {
  // The latest callbacks, without restarting the interval on every render.
  const latest = useRef({ position, onRefused, pause });
  useEffect(() => {
    latest.current = { position, onRefused, pause };
  });

  const beat = useCallback(
    async (at?: number) => {
      try {
        await heartbeat(sessionId, at ?? latest.current.position());
      } catch (error) {
        latest.current.pause();
        latest.current.onRefused(playbackProblem(error));
      }
    },
    [sessionId],
  );

  useEffect(() => {
    const timer = setInterval(() => void beat(), intervalSeconds * 1000);
    return () => clearInterval(timer);
  }, [beat, intervalSeconds]);

  return beat;
}
