import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { api, duration, money, unwrap } from "../api/client";
import { Loading, Notice, useLoad } from "../components/ui";
import { formatNumber } from "../i18n/format";

const PER_PAGE = 12;

export function Catalog() {
  const { t } = useTranslation("catalog");
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const [text, setText] = useState(q);
  const { data, error, loading } = useLoad(
    () => unwrap(api.GET("/api/courses", { params: { query: { q, page, per_page: PER_PAGE } } })),
    [q, page],
  );
  const pages = data ? Math.max(1, Math.ceil(data.total / PER_PAGE)) : 1;

  function search(event: FormEvent) {
    event.preventDefault();
    setParams(text ? { q: text } : {});
  }

  return (
    <main>
      <section className="hero">
        <h1>{t("hero")}</h1>
        <form role="search" onSubmit={search} className="search">
          <label className="sr-only" htmlFor="q">
            {t("search.label")}
          </label>
          <input
            id="q"
            type="search"
            placeholder={t("search.label")}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button className="primary">{t("search.submit")}</button>
        </form>
      </section>
      <Notice error={error} />
      {loading && !data ? (
        <Loading />
      ) : data && data.items.length === 0 ? (
        <p className="empty">{q ? t("search.none", { q }) : t("empty")}</p>
      ) : (
        <ul className="grid">
          {data?.items.map((course) => (
            <li key={course.id} className="card course-card">
              {course.cover_url && <img className="cover" src={course.cover_url} alt="" loading="lazy" />}
              <Link to={`/courses/${course.slug}`} className="stretched">
                <h2>{course.title}</h2>
              </Link>
              <p className="muted">{t("by", { name: course.instructor_name })}</p>
              <p className="clamp">{course.description}</p>
              <p className="meta">
                <span>{t("lessons", { count: course.lesson_count })}</span>
                {course.duration > 0 && <span>{duration(course.duration)}</span>}
                <strong>{money(course.price.amount, course.price.currency)}</strong>
              </p>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label={t("pager.label")}>
          <button disabled={page <= 1} onClick={() => setParams({ ...(q ? { q } : {}), page: String(page - 1) })}>
            {t("pager.previous")}
          </button>
          <span>{t("pager.page", { page: formatNumber(page), pages: formatNumber(pages) })}</span>
          <button disabled={page >= pages} onClick={() => setParams({ ...(q ? { q } : {}), page: String(page + 1) })}>
            {t("pager.next")}
          </button>
        </nav>
      )}
    </main>
  );
}
