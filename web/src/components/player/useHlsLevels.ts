import { useEffect, useRef, useState, type RefObject } from "react";
import type Hls from "hls.js";

export type HlsElement = HTMLVideoElement & { api?: Hls | null };
export type Level = { index: number; height: number };

/** Waits for hls.js to parse the ladder, then lists its quality levels (tallest first) and
 * calls `onReady` once. The <hls-video> element of react-player 3 creates its hls.js
 * instance after mount and does not re-dispatch every media event, so we poll for it. */
export function useHlsLevels(
  video: RefObject<HlsElement | null>,
  sessionId: string,
  onReady: (hls: Hls) => void,
): [Level[], (hls: Hls) => void] {
  const [levels, setLevels] = useState<Level[]>([]);
  const list = (hls: Hls) =>
    setLevels(hls.levels.map((l, index) => ({ index, height: l.height })).sort((a, b) => b.height - a.height));
  const ready = useRef(onReady);
  useEffect(() => {
    ready.current = onReady;
  });

  useEffect(() => {
    const timer = setInterval(() => {
      const el = video.current;
      if (el?.api && el.api.levels.length > 0 && el.readyState >= 1) {
        clearInterval(timer);
        const hls = el.api;
        list(hls);
        ready.current(hls);
      }
    }, 200);
    return () => clearInterval(timer);
  }, [video, sessionId]);

  // `list` again when the ladder changes (first play's full ladder: fullLadder.ts).
  return [levels, list];
}
