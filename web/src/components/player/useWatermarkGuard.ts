import { useEffect, useState, type RefObject } from "react";

const MOVE_MS = 4000;
const CHECK_MS = 1000;

/** Moves the watermark every few seconds and pauses playback while it is hidden, removed
 * or made transparent; returns the move counter and whether it was tampered with. */
export function useWatermarkGuard(
  watermark: RefObject<HTMLDivElement | null>,
  pause: () => void,
): { tick: number; tampered: boolean } {
  const [tick, setTick] = useState(0);
  const [tampered, setTampered] = useState(false);

  useEffect(() => {
    const move = setInterval(() => setTick((t) => t + 1), MOVE_MS);
    const guard = setInterval(() => {
      const el = watermark.current;
      const style = el && el.isConnected ? getComputedStyle(el) : null;
      const hidden =
        !el ||
        !style ||
        style.display === "none" ||
        style.visibility !== "visible" ||
        Number(style.opacity) < 0.2 ||
        el.offsetWidth === 0;
      setTampered(hidden);
      if (hidden) pause();
    }, CHECK_MS);
    return () => {
      clearInterval(move);
      clearInterval(guard);
    };
  }, [watermark, pause]);

  return { tick, tampered };
}
