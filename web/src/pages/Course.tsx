import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, duration, money, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { afterQuizText, describeRelease, opensOn } from "../components/release";
import { CaptionSearch } from "../components/search/CaptionSearch";
import { Loading, Notice, ProgressBar, useAction, useLoad } from "../components/ui";
import { PlanOffers } from "./course/PlanOffers";
import { CourseBundles, SaleOptions } from "./course/SaleOptions";

export function Course() {
  const { t } = useTranslation("catalog");
  const { ref = "" } = useParams();
  const { user } = useAuth();
  const navigate = useNavigate();
  const {
    data: course,
    error,
    loading,
    reload,
  } = useLoad(() => unwrap(api.GET("/api/courses/{ref}", { params: { path: { ref } } })), [ref, user?.id]);
  const { data: progress } = useLoad(
    async () =>
      course?.enrolled
        ? unwrap(api.GET("/api/courses/{course_id}/progress", { params: { path: { course_id: course.id } } }))
        : null,
    [course?.id, course?.enrolled],
  );
  const action = useAction();
  const [coupon, setCoupon] = useState("");

  if (loading && !course) return <Loading />;
  if (!course)
    return (
      <main>
        <Notice error={error} />
      </main>
    );
  const free = course.price.amount === 0;
  const allLessons = course.sections.flatMap((s) => s.lessons);
  const firstLesson = allLessons[0];
  const resume = progress?.resume?.lesson_id ?? firstLesson?.id;
  const done = new Set(progress?.lessons.filter((l) => l.completed).map((l) => l.lesson_id));

  async function getAccess() {
    if (!user) {
      navigate(`/signin?next=/courses/${course!.slug}`);
      return;
    }
    if (free) {
      const ok = await action.run(() =>
        unwrap(api.POST("/api/courses/{course_id}/enroll", { params: { path: { course_id: course!.id } } })),
      );
      if (ok) await reload();
      return;
    }
    const order = await action.run(() =>
      unwrap(
        api.POST("/api/courses/{course_id}/checkout", {
          params: { path: { course_id: course!.id } },
          body: { coupon: coupon.trim() || null },
        }),
      ),
    );
    if (order) navigate(order.checkout_url);
  }

  return (
    <main>
      <header className="course-head">
        <div>
          <h1>{course.title}</h1>
          <p className="muted">
            {t("by", { name: course.instructor_name })} · {t("lessons", { count: course.lesson_count })}{" "}
            {course.duration > 0 && `· ${duration(course.duration)}`}
            {course.status === "draft" && <span className="badge">{t("course.draft")}</span>}
          </p>
          {course.cover_url && <img className="cover" src={course.cover_url} alt="" />}
          {/* Markdown rendered and sanitised by the server with an allow-list (U6). */}
          <div className="description prose" dangerouslySetInnerHTML={{ __html: course.description_html }} />
          {course.outcomes_html && (
            <section aria-labelledby="outcomes-title" className="card">
              <h2 id="outcomes-title">{t("course.outcomes")}</h2>
              <div className="prose" dangerouslySetInnerHTML={{ __html: course.outcomes_html }} />
            </section>
          )}
          <section aria-labelledby="instructor-title">
            <h2 id="instructor-title">{t("course.instructor")}</h2>
            <p>
              <strong>{course.instructor_name}</strong>
            </p>
            {course.instructor_bio && <p className="bio">{course.instructor_bio}</p>}
          </section>
        </div>
        <aside className="card buy">
          <p className="price">{money(course.price.amount, course.price.currency)}</p>
          {course.status === "published" && <PlanOffers courseId={course.id} />}
          {course.enrolled || course.can_edit ? (
            <>
              {progress && <ProgressBar value={progress.percent} label={t("course.progress")} />}
              {resume && (
                <Link className="button primary" to={`/learn/${course.id}/${resume}`}>
                  {progress?.resume && progress.completed > 0 ? t("resume") : t("course.start")}
                </Link>
              )}
            </>
          ) : (
            <>
              {!free && (
                <label>
                  {t("course.coupon")} <small className="muted">{t("course.optional")}</small>
                  <input value={coupon} onChange={(e) => setCoupon(e.target.value)} autoComplete="off" />
                </label>
              )}
              <button className="primary" onClick={getAccess} disabled={action.busy}>
                {free ? t("course.enroll") : t("course.buy")}
              </button>
            </>
          )}
          <Notice error={action.error} />
          {!free && course.status === "published" && <SaleOptions course={course} />}
        </aside>
      </header>
      {course.status === "published" && <CourseBundles courseId={course.id} />}
      {allLessons.some((l) => l.kind === "video") && <CaptionSearch courseId={course.id} />}
      <section aria-label={t("course.outlineLabel")}>
        <h2>{t("course.outline")}</h2>
        {course.sections.map((section) => (
          <div key={section.id} className="card section">
            <h3>{section.title}</h3>
            <ol className="lessons">
              {section.lessons.map((lesson) => {
                const held = lesson.opens_at ? opensOn(lesson.opens_at) : afterQuizText(lesson, allLessons);
                const rule = course.enrolled ? null : describeRelease(lesson.release ?? section.release);
                const open = !held && (course.enrolled || course.can_edit || (lesson.preview && !!user));
                return (
                  <li key={lesson.id}>
                    <span className="lesson-kind" aria-hidden="true">
                      {lesson.kind === "video" ? "▶" : lesson.kind === "quiz" ? "?" : "¶"}
                    </span>
                    {open ? (
                      <Link to={`/learn/${course.id}/${lesson.id}`}>{lesson.title}</Link>
                    ) : (
                      <span>{lesson.title}</span>
                    )}
                    {lesson.preview && <span className="badge">{t("course.preview")}</span>}
                    {(held ?? (lesson.preview ? null : rule)) && (
                      <span className="badge" data-testid="release">
                        {held ?? rule}
                      </span>
                    )}
                    {done.has(lesson.id) && <span className="badge done">✓ {t("course.done")}</span>}
                    <span className="muted right">{duration(lesson.duration)}</span>
                  </li>
                );
              })}
            </ol>
          </div>
        ))}
      </section>
    </main>
  );
}
