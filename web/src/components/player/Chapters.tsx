import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import { clock } from "./time";

export { clock };

export type Chapter = Schemas["Chapter"];

/** The chapter a viewer is in at TIME (the last one started), or -1 before the first. */
export function currentChapter(chapters: Chapter[], time: number): number {
  let found = -1;
  chapters.forEach((c, i) => {
    if (c.start <= time) found = i;
  });
  return found;
}

/** Points of the video as a list of "time + text" buttons that seek there (chapters, the
 * transcript's cues); the text is rendered as text, never HTML. */
export function SeekList({
  items,
  current,
  onSeek,
  className,
}: {
  items: { start: number; text: string }[];
  current: number;
  onSeek(seconds: number): void;
  className?: string;
}) {
  return (
    <ol className={className}>
      {items.map((item, i) => (
        <li key={`${item.start}-${i}`}>
          <button
            type="button"
            className="link"
            aria-current={i === current ? "true" : undefined}
            onClick={() => onSeek(item.start)}
          >
            <span className="chapter-time">{clock(item.start)}</span> {item.text}
          </button>
        </li>
      ))}
    </ol>
  );
}

/** The chapter list: buttons that seek (the markers are on the Timeline); titles are text,
 * never HTML. */
export function Chapters({
  chapters,
  time,
  onSeek,
}: {
  chapters: Chapter[];
  time: number;
  onSeek(seconds: number): void;
}) {
  const { t } = useTranslation("player");
  if (chapters.length === 0) return null;
  const current = currentChapter(chapters, time);
  return (
    <div className="chapters">
      <nav aria-label={t("chapters")}>
        <SeekList
          className="chapter-list"
          items={chapters.map((c) => ({ start: c.start, text: c.title }))}
          current={current}
          onSeek={onSeek}
        />
      </nav>
    </div>
  );
}
