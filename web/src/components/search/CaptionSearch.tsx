import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { clock } from "../player/Chapters";
import { Notice, useAction } from "../ui";
import { highlightParts } from "./highlight";

// openapi-fetch widens the [start, end] pairs to number[][]: highlightParts takes either.
type Hit = Omit<Schemas["CaptionHitRead"], "highlights"> & { highlights: number[][] };

/** Searches what was said in the course's lessons (their captions); each hit links to its
 * lesson at the cue's second. The server answers only with lessons the viewer may open. */
export function CaptionSearch({ courseId, compact = false }: { courseId: string; compact?: boolean }) {
  const { t } = useTranslation("catalog");
  const [query, setQuery] = useState("");
  const [asked, setAsked] = useState<string | null>(null);
  const [hits, setHits] = useState<Hit[]>([]);
  const action = useAction();
  const heading = useId();

  async function search(event: FormEvent) {
    event.preventDefault();
    const q = query.trim();
    if (!q) return;
    const page = await action.run(() =>
      unwrap(
        api.GET("/api/courses/{course_id}/search", {
          params: { path: { course_id: courseId }, query: { q, limit: 30 } },
        }),
      ),
    );
    if (page) {
      setHits(page.items);
      setAsked(page.query);
    }
  }

  return (
    <section className={compact ? "caption-search compact" : "caption-search card"} aria-labelledby={heading}>
      <h2 id={heading}>{t("said.title")}</h2>
      <form role="search" className={compact ? "search-form" : "row"} onSubmit={(e) => void search(e)}>
        <label className="grow">
          <span className="sr-only">{t("said.label")}</span>
          <input
            type="search"
            value={query}
            maxLength={200}
            placeholder={t("said.placeholder")}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <button disabled={action.busy || !query.trim()}>{t("search.submit")}</button>
      </form>
      <Notice error={action.error} />
      {asked !== null && (
        <p className="muted" role="status">
          {hits.length === 0 ? t("said.none", { q: asked }) : t("said.hits", { count: hits.length, q: asked })}
        </p>
      )}
      {hits.length > 0 && (
        <ol className="search-hits" data-testid="search-hits">
          {hits.map((hit, i) => (
            <li key={`${hit.lesson_id}-${hit.start}-${i}`}>
              <Link to={`/learn/${courseId}/${hit.lesson_id}?t=${Math.round(hit.start * 100) / 100}`}>
                <span className="hit-where">
                  {hit.lesson_title} <span className="hit-time">{clock(hit.start)}</span>
                </span>
                <span className="hit-text">
                  {highlightParts(hit.text, hit.highlights).map((part, j) =>
                    part.mark ? <mark key={j}>{part.text}</mark> : <span key={j}>{part.text}</span>,
                  )}
                </span>
              </Link>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
