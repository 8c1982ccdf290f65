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

/** Markers along the timeline and a list of buttons that seek; titles are text, never HTML. */
export function Chapters({
  chapters,
  duration,
  time,
  onSeek,
}: {
  chapters: Chapter[];
  duration: number | null;
  time: number;
  onSeek(seconds: number): void;
}) {
  if (chapters.length === 0) return null;
  const current = currentChapter(chapters, time);
  return (
    <div className="chapters">
      {duration ? (
        <div className="chapter-strip" aria-hidden="true" data-testid="chapter-strip">
          {chapters.map((c) => (
            <span
              key={c.start}
              className="chapter-marker"
              title={`${clock(c.start)} ${c.title}`}
              style={{ left: `${(100 * c.start) / duration}%` }}
            />
          ))}
          <span className="chapter-progress" style={{ width: `${Math.min(100, (100 * time) / duration)}%` }} />
        </div>
      ) : null}
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
