import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { useTranslation } from "react-i18next";
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

/** The seek bar of the control bar: progress, the buffered range, chapter markers, and on
 * hover (or keyboard focus) the frame and chapter at that point. Click or drag to seek; a
 * slider for assistive technology, whose arrows move 5 s. */
export function Timeline({
  duration,
  time,
  buffered,
  chapters,
  storyboardUrl,
  onSeek,
}: {
  duration: number | null;
  time: number;
  buffered: [number, number] | null;
  chapters: Chapter[];
  storyboardUrl?: string | null;
  onSeek(seconds: number): void;
}) {
  const { t } = useTranslation("player");
  const bar = useRef<HTMLDivElement>(null);
  const tiles = useStoryboard(storyboardUrl);
  const [hover, setHover] = useState<number | null>(null);
  const [focused, setFocused] = useState(false);
  const dragging = useRef(false);
  if (!duration) return <div className="timeline-wrap" />;
  const total = duration;
  const percent = (seconds: number) => `${Math.min(100, Math.max(0, (100 * seconds) / total))}%`;

  function at(event: PointerEvent<HTMLDivElement>): number {
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
  const position = t("positionOf", { time: clock(time), total: clock(total) });
  const valueText = chapterIndex >= 0 ? t("positionIn", { position, chapter: chapters[chapterIndex].title }) : position;
  return (
    <div className="timeline-wrap">
      <div
        ref={bar}
        className="timeline"
        role="slider"
        tabIndex={0}
        aria-label={t("seek")}
        aria-valuemin={0}
        aria-valuemax={Math.round(total)}
        aria-valuenow={Math.round(time)}
        aria-valuetext={valueText}
        data-testid="timeline"
        onKeyDown={onKey}
        onPointerDown={(e) => {
          dragging.current = true;
          e.currentTarget.setPointerCapture?.(e.pointerId);
          onSeek(at(e));
        }}
        onPointerMove={(e) => {
          setHover(at(e));
          if (dragging.current) onSeek(at(e));
        }}
        onPointerUp={() => (dragging.current = false)}
        onPointerCancel={() => (dragging.current = false)}
        onPointerLeave={() => setHover(null)}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
      >
        {buffered && (
          <span
            className="timeline-buffered"
            data-testid="buffered"
            style={{ left: percent(buffered[0]), width: percent(buffered[1] - buffered[0]) }}
          />
        )}
        <span className="timeline-progress" style={{ width: percent(time) }} />
        {chapters.map((c) => (
          <span
            key={c.start}
            className="chapter-marker"
            data-testid="chapter-marker"
            style={{ left: percent(c.start) }}
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
