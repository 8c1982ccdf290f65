/** Seconds as a clock ("1:05", "1:02:03"); what is not a finite, non-negative number reads 0:00. */
export function clock(seconds: number): string {
  const whole = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** The part of the video buffered around TIME, as [start, end] seconds (a seek leaves
 * ranges behind; only the one being played matters to the viewer), or null. */
export function bufferedAround(buffered: TimeRanges | null | undefined, time: number): [number, number] | null {
  if (!buffered) return null;
  for (let i = 0; i < buffered.length; i++) {
    const start = buffered.start(i);
    const end = buffered.end(i);
    if (start <= time + 0.5 && time <= end) return [start, end];
  }
  return null;
}

/** What a double tap at X in a surface WIDTH wide does: the left third seeks 10 s back, the
 * right third 10 s on, the middle nothing. */
export function tapSeek(x: number, width: number): number {
  if (!(width > 0)) return 0;
  if (x < width / 3) return -10;
  if (x > (2 * width) / 3) return 10;
  return 0;
}
