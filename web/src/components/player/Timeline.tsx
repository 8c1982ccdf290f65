import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { clock, currentChapter, type Chapter } from "./Chapters";
import { parseStoryboard, tileAt, type Tile } from "./storyboard";

/** Loads the storyboard track (signed URL, same origin); an error only costs the previews. */
function useStoryboard(url: string | null | undefined): Tile[] {
  const [tiles, setTiles] = useState<Tile[]>([]);
  useEffect(() => {
    if (!url) return;
    let cancelled = false;
    fetch(url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => !cancelled && setTiles(parseStoryboard(text, url)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [url]);
  return tiles;
}

/** The seek bar: progress, chapter markers, and on hover (or keyboard focus) the frame
 * and chapter at that point. A slider for assistive technology; arrows move 5 s. */
export function Timeline({
  duration,
  time,
  chapters,
  storyboardUrl,
  onSeek,
}: {
  duration: number | null;
  time: number;
  chapters: Chapter[];
  storyboardUrl?: string | null;
  onSeek(seconds: number): void;
}) {
  const bar = useRef<HTMLDivElement>(null);
  const tiles = useStoryboard(storyboardUrl);
  const [hover, setHover] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);
  if (!duration) return null;
  const total = duration;

  function at(event: MouseEvent<HTMLDivElement>): number {
    const box = bar.current?.getBoundingClientRect();
    if (!box || box.width === 0) return 0;
    return Math.min(total, Math.max(0, ((event.clientX - box.left) / box.width) * total));
  }

  function onKey(event: KeyboardEvent<HTMLDivElement>) {
    const moves: Record<string, number> = { ArrowLeft: -5, ArrowRight: 5, PageDown: -60, PageUp: 60 };
    let target: number | null = null;
    if (event.key in moves) target = time + moves[event.key];
    else if (event.key === "Home") target = 0;
    else if (event.key === "End") target = total;
    if (target === null) return;
    event.preventDefault();
    event.stopPropagation();
    onSeek(Math.min(total, Math.max(0, target)));
  }

  const chapterIndex = currentChapter(chapters, time);
  const shown = hover ?? (focused ? time : null);
  const tile = shown !== null ? tileAt(tiles, shown) : null;
  const hoverChapter = shown !== null ? chapters[currentChapter(chapters, shown)] : undefined;
  const valueText = `${clock(time)} of ${clock(total)}${chapterIndex >= 0 ? `, ${chapters[chapterIndex].title}` : ""}`;
  return (
    <div className="timeline-wrap">
      <div
        ref={bar}
        className="timeline"
        role="slider"
        tabIndex={0}
        aria-label="Seek"
        aria-valuemin={0}
        aria-valuemax={Math.round(total)}
        aria-valuenow={Math.round(time)}
        aria-valuetext={valueText}
        data-testid="timeline"
        onKeyDown={onKey}
        onPointerMove={(e) => setHover(at(e))}
        onPointerLeave={() => setHover(null)}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onClick={(e) => onSeek(at(e))}
      >
        <span className="timeline-progress" style={{ width: `${Math.min(100, (100 * time) / total)}%` }} />
        {chapters.map((c) => (
          <span
            key={c.start}
            className="chapter-marker"
            data-testid="chapter-marker"
            style={{ left: `${(100 * c.start) / total}%` }}
          />
        ))}
        {shown !== null && (
          <div
            className="timeline-preview"
            data-testid="seek-preview"
            style={{ left: `${Math.min(92, Math.max(8, (100 * shown) / total))}%` }}
            aria-hidden="true"
          >
            {tile && (
              <span
                className="timeline-thumb"
                data-testid="seek-thumbnail"
                style={{
                  width: tile.w,
                  height: tile.h,
                  backgroundImage: `url("${tile.url}")`,
                  backgroundPosition: `-${tile.x}px -${tile.y}px`,
                }}
              />
            )}
            <span className="timeline-label">
              {clock(shown)}
              {hoverChapter ? ` · ${hoverChapter.title}` : ""}
            </span>
          </div>
        )}
      </div>
    </div>
  );
}
