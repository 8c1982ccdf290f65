/** A run of a search hit's text, marked when it is one of the matched words. */
export interface Part {
  text: string;
  mark: boolean;
}

/** Cuts TEXT into plain and marked runs from the server's [start, end) RANGES.
 *
 * The offsets are UTF-16 code units, which is how JavaScript strings count, so they index
 * TEXT directly (an accented letter or an emoji before a match shifts nothing). Ranges are
 * sorted, clamped to the text and merged where they touch, so a sloppy answer can neither
 * repeat nor lose a character. The runs are rendered as text nodes, never as HTML. */
export function highlightParts(text: string, ranges: ReadonlyArray<ReadonlyArray<number>>): Part[] {
  const merged: [number, number][] = [];
  const sorted = ranges
    .map(([a = 0, b = 0]) => [Math.max(0, Math.min(a, text.length)), Math.max(0, Math.min(b, text.length))] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  const parts: Part[] = [];
  let at = 0;
  for (const [a, b] of merged) {
    if (a > at) parts.push({ text: text.slice(at, a), mark: false });
    parts.push({ text: text.slice(a, b), mark: true });
    at = b;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), mark: false });
  return parts;
}
