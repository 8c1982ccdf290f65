import { useCallback, useEffect, useRef, useState } from "react";
import type { PlaybackStart } from "../../api/playback";
import { playbackProblem, type PlaybackProblem } from "../../playback";

/** Starts playback of a lesson (again on `retry`), and while the course's protected copy
 * is being prepared (F7: `protected_copy_pending`) asks again by itself, as soon as the
 * server's Retry-After allows, keeping the "preparing" notice up between attempts.
 * BEGIN starts a session; END_LATE ends one that lands after the page moved on (it would
 * otherwise hold a stream slot). */
export function usePlaybackStart(
  lessonId: string,
  begin: (lessonId: string) => Promise<PlaybackStart>,
  endLate: (sessionId: string) => void,
) {
  const [start, setStart] = useState<PlaybackStart | null>(null);
  const [problem, setProblem] = useState<PlaybackProblem | null>(null);
  const [attempt, setAttempt] = useState(0);
  const asked = useRef<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    setStart(null);
    // Another lesson starts afresh; a retry of this one keeps its notice up meanwhile.
    const again = asked.current === lessonId;
    asked.current = lessonId;
    setProblem((shown) => (again && shown?.kind === "pending" ? shown : null));
    begin(lessonId)
      .then((started) => {
        if (cancelled) return endLate(started.session_id);
        setProblem(null);
        setStart(started);
      })
      .catch((error) => !cancelled && setProblem(playbackProblem(error)));
    return () => {
      cancelled = true;
    };
  }, [lessonId, attempt, begin, endLate]);

  useEffect(() => {
    if (problem?.kind !== "pending") return;
    const timer = window.setTimeout(() => setAttempt((a) => a + 1), problem.retryAfter * 1000);
    return () => window.clearTimeout(timer);
  }, [problem]);

  const retry = useCallback(async () => setAttempt((a) => a + 1), []);
  return { start, problem, setProblem, retry };
}
