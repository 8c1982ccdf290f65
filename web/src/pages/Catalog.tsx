import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, duration, money, unwrap } from "../api/client";
import { Loading, Notice, useLoad } from "../components/ui";

const PER_PAGE = 12;

export function Catalog() {
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
        <h1>Learn from people who do the work</h1>
        <form role="search" onSubmit={search} className="search">
          <label className="sr-only" htmlFor="q">
            Search courses
          </label>
          <input
            id="q"
            type="search"
            placeholder="Search courses"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button className="primary">Search</button>
        </form>
      </section>
      <Notice error={error} />
      {loading && !data ? (
        <Loading />
      ) : data && data.items.length === 0 ? (
        <p className="empty">{q ? `No course matches “${q}”.` : "No courses are published yet."}</p>
      ) : (
        <ul className="grid">
          {data?.items.map((course) => (
            <li key={course.id} className="card course-card">
              {course.cover_url && <img className="cover" src={course.cover_url} alt="" loading="lazy" />}
              <Link to={`/courses/${course.slug}`} className="stretched">
                <h2>{course.title}</h2>
              </Link>
              <p className="muted">by {course.instructor_name}</p>
              <p className="clamp">{course.description}</p>
              <p className="meta">
                <span>
                  {course.lesson_count} {course.lesson_count === 1 ? "lesson" : "lessons"}
                </span>
                {course.duration > 0 && <span>{duration(course.duration)}</span>}
                <strong>{money(course.price.amount, course.price.currency)}</strong>
              </p>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label="Pages">
          <button disabled={page <= 1} onClick={() => setParams({ ...(q ? { q } : {}), page: String(page - 1) })}>
            Previous
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button disabled={page >= pages} onClick={() => setParams({ ...(q ? { q } : {}), page: String(page + 1) })}>
            Next
          </button>
        </nav>
      )}
    </main>
  );
}
