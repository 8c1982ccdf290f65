import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type Hls from "hls.js";
import { api, unwrap } from "../../api/client";
import {
  blockingCheckpoint,
  checkpointRefusal,
  enforcedCheckpoints,
  gatedIds,
  heldPosition,
  type Checkpoint,
} from "./checkpoints";
import type { HlsElement } from "./useHlsLevels";

export type HlsErrorData = {
  fatal: boolean;
  details?: string;
  response?: { code?: number };
  networkDetails?: { response?: unknown } | null;
};

/** The checkpoint a refused key names (Q3), read from the key request hls.js made. */
export const refusedFor = (data: HlsErrorData) =>
  data.details === "keyLoadError" ? checkpointRefusal(data.response?.code, data.networkDetails?.response) : null;

/** Stops the video at checkpoints the viewer has not passed (and jumps a seek past one
 * back to it), shows the question, and plays on after a pass.
 *
 * HELD are the checkpoints the server holds this session to (PlaybackStart.checkpoints:
 * none for staff, nor for preview viewers of a course that exempts them), so the player
 * stops only where the server enforces one. The key server refuses every period after an
 * unpassed one (403 checkpoint_required) and hls.js asks for keys ahead of playback: that
 * refusal is not the end of playback but the notice of a question ahead, and is obeyed
 * even for a checkpoint HELD did not list. What is buffered plays on up to the
 * checkpoint; after the pass hls.js is started again from there. */
export function useCheckpoints(video: RefObject<HlsElement | null>, held: Checkpoint[]) {
  const [passed, setPassed] = useState<ReadonlySet<string>>(() => new Set());
  const [known, setKnown] = useState(false);
  const [refused, setRefused] = useState<Checkpoint[]>([]);
  const [active, setActive] = useState<Checkpoint | null>(null);
  const stalled = useRef(false); // hls.js stopped fetching at a refused key
  const ids = held.map((c) => c.id).join(",");

  useEffect(() => {
    if (!ids) return;
    let live = true;
    void Promise.all(
      ids.split(",").map((quiz_id) =>
        unwrap(api.GET("/api/quizzes/{quiz_id}", { params: { path: { quiz_id } } })).then(
          (q) => (q.passed ? quiz_id : null),
          () => null,
        ),
      ),
    ).then((found) => {
      if (!live) return;
      setPassed(new Set(found.filter((id): id is string => id !== null)));
      setKnown(true);
    });
    return () => {
      live = false;
    };
  }, [ids]);

  const checkpoints = useMemo(() => enforcedCheckpoints(held, refused), [held, refused]);
  const gated = useMemo(() => gatedIds(held, refused, known), [held, refused, known]);

  const hold = useCallback(() => {
    const el = video.current;
    if (!el) return;
    const blocking = blockingCheckpoint(checkpoints, gated, passed, el.currentTime);
    if (!blocking) return;
    if (!el.paused) el.pause();
    const to = heldPosition(blocking, el.currentTime);
    if (to !== el.currentTime) el.currentTime = to;
    setActive((a) => (a?.id === blocking.id ? a : blocking));
  }, [video, checkpoints, gated, passed]);

  // What is already past (a resume point, a refusal that arrived late) is held at once.
  useEffect(() => {
    if ((video.current?.readyState ?? 0) >= 1) hold();
  }, [hold, video]);

  // Listen to hls.js as soon as it exists: a refusal can come before the first frame.
  useEffect(() => {
    let attached: Hls | null = null;
    const onError = (_: string, data: HlsErrorData) => {
      const refusal = refusedFor(data);
      if (!refusal) return;
      stalled.current = true;
      setRefused((r) => (r.some((c) => c.id === refusal.id) ? r : [...r, refusal]));
      setPassed((p) => {
        if (!p.has(refusal.id)) return p;
        const next = new Set(p); // the server knows better (a pass from a cached read)
        next.delete(refusal.id);
        return next;
      });
    };
    const timer = setInterval(() => {
      const hls = video.current?.api;
      if (!hls) return;
      clearInterval(timer);
      attached = hls;
      (hls.on as unknown as (e: string, l: typeof onError) => void)("hlsError", onError);
    }, 100);
    return () => {
      clearInterval(timer);
      (attached?.off as unknown as ((e: string, l: typeof onError) => void) | undefined)?.call(
        attached,
        "hlsError",
        onError,
      );
    };
  }, [video]);

  const pass = useCallback(
    (id: string) => {
      setPassed((p) => new Set(p).add(id));
      setActive(null);
      const el = video.current;
      if (!el) return;
      const hls = el.api;
      if (hls && (stalled.current || !bufferedPast(el))) {
        stalled.current = false;
        hls.startLoad(el.currentTime);
      }
      void el.play().catch(() => undefined);
      el.closest<HTMLElement>(".player-frame")?.focus();
    },
    [video],
  );

  return { active, hold, pass };
}

/** Whether the video has media buffered beyond where it stands. */
function bufferedPast(el: HTMLMediaElement): boolean {
  const t = el.currentTime;
  for (let i = 0; i < el.buffered.length; i++) {
    if (el.buffered.start(i) <= t + 0.1 && el.buffered.end(i) > t + 1) return true;
  }
  return false;
}
