/** A storyboard: the WebVTT thumbnails track the transcode writes (`sprite.jpg#xywh=…`). */
export type Tile = { start: number; end: number; url: string; x: number; y: number; w: number; h: number };

function seconds(stamp: string): number {
  const parts = stamp.split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/** Parses a thumbnails track; tile URLs are resolved against the track's own URL, so they
 * keep its signed path. Lines that are not cues are skipped. */
export function parseStoryboard(text: string, trackUrl: string): Tile[] {
  const base = new URL(trackUrl, "http://localhost/");
  const tiles: Tile[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    const timing = /^([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]);
    const target = timing && /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[i + 1].trim());
    if (!timing || !target) continue;
    const url = new URL(target[1], base);
    tiles.push({
      start: seconds(timing[1]),
      end: seconds(timing[2]),
      url: trackUrl.startsWith("http") ? url.href : url.pathname + url.search,
      x: Number(target[2]),
      y: Number(target[3]),
      w: Number(target[4]),
      h: Number(target[5]),
    });
  }
  return tiles;
}

/** The tile showing TIME (the last one that starts at or before it). */
export function tileAt(tiles: Tile[], time: number): Tile | null {
  let found: Tile | null = null;
  for (const tile of tiles) {
    if (tile.start <= time) found = tile;
    else break;
  }
  return found;
}
