import type { Schemas } from "../../api/client";

export type Chapter = Schemas["Chapter"];

export function clock(seconds: number): string {
  const whole = Math.floor(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** The chapter a viewer is in at TIME (the last one started), or -1 before the first. */
export function currentChapter(chapters: Chapter[], time: number): number {
  let found = -1;
  chapters.forEach((c, i) => {
    if (c.start <= time) found = i;
  });
  return found;
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
  if (chapters.length === 0) return null;
  const current = currentChapter(chapters, time);
  return (
    <div className="chapters">
      <nav aria-label="Chapters">
        <ol className="chapter-list">
          {chapters.map((c, i) => (
            <li key={c.start}>
              <button
                type="button"
                className="link"
                aria-current={i === current ? "true" : undefined}
                onClick={() => onSeek(c.start)}
              >
                <span className="chapter-time">{clock(c.start)}</span> {c.title}
              </button>
            </li>
          ))}
        </ol>
      </nav>
    </div>
  );
}
