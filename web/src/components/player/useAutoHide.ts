import { useCallback, useEffect, useRef, useState } from "react";

/** How long the control bar stays after the last input while the video plays. */
export const IDLE_MS = 3000;

/** Whether the control bar shows: always while paused, and while the viewer holds it
 * (focus or the pointer inside it, a menu open); while playing, until IDLE. */
export function barShown({ playing, holding, idle }: { playing: boolean; holding: boolean; idle: boolean }): boolean {
  return !playing || holding || !idle;
}

/** The bar's visibility and `poke`, to call on any pointer movement or key: it shows the bar
 * and starts the idle timer again. */
export function useAutoHide(playing: boolean, holding: boolean): { shown: boolean; poke: () => void } {
  const [idle, setIdle] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  const poke = useCallback(() => {
    setIdle(false);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setIdle(true), IDLE_MS);
  }, []);
  // Starting to play (or letting go of the bar) gives the viewer the full delay again.
  useEffect(() => {
    poke();
    return () => window.clearTimeout(timer.current);
  }, [poke, playing, holding]);
  return { shown: barShown({ playing, holding, idle }), poke };
}
