import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, money, unwrap, type Schemas } from "../../api/client";
import { StatsChart } from "../../components/StatsChart";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";
import { formatNumber } from "../../i18n/format";
import { Engagement } from "./Engagement";

/** Enrollments, revenue, completion per lesson, the students, and extra plays for one. */
export function Stats({ courseId, lessons }: { courseId: string; lessons: Schemas["LessonRead"][] }) {
  const { t } = useTranslation("editor");
  // Enrollment states the server sends; another one is shown as it comes.
  const stateNames: Record<string, string | undefined> = {
    active: t("stats.states.active"),
    revoked: t("stats.states.revoked"),
  };
  const stats = useLoad(
    () => unwrap(api.GET("/api/courses/{course_id}/stats", { params: { path: { course_id: courseId } } })),
    [courseId, lessons.length],
  );
  const students = useLoad(
    () => unwrap(api.GET("/api/courses/{course_id}/students", { params: { path: { course_id: courseId } } })),
    [courseId],
  );
  const [student, setStudent] = useState("");
  const [lesson, setLesson] = useState("");
  const [extra, setExtra] = useState("1");
  const action = useAction();
  const [granted, setGranted] = useState("");

  async function grant(event: FormEvent) {
    event.preventDefault();
    const result = await action.run(() =>
      unwrap(
        api.POST("/api/courses/{course_id}/students/{user_id}/plays", {
          params: { path: { course_id: courseId, user_id: student } },
          body: { lesson_id: lesson || lessons[0]?.id, extra_plays: Number(extra) },
        }),
      ),
    );
    if (result) setGranted(t("stats.granted", { count: result.extra_plays, used: result.plays }));
  }

  async function unlock(user_id: string, email: string) {
    const done = await action.run(async () => {
      await unwrap(
        api.POST("/api/courses/{course_id}/students/{user_id}/unlock", {
          params: { path: { course_id: courseId, user_id } },
        }),
      );
      return true;
    });
    if (done) setGranted(t("stats.unlocked", { email }));
  }

  const s = stats.data;
  return (
    <section className="card">
      <h2>{t("stats.title")}</h2>
      {!s ? (
        <Loading />
      ) : (
        <>
          <p className="meta">
            <span>
              <strong>{formatNumber(s.active_enrollments)}</strong>{" "}
              {t("stats.activeStudents", { count: s.active_enrollments })}
            </span>
            {s.revenue.map((r) => (
              <span key={r.currency}>
                {t("stats.revenue")} <strong>{money(r.net, r.currency)}</strong>
                {r.refunded > 0 && ` ${t("stats.refunded", { amount: money(r.refunded, r.currency) })}`}
              </span>
            ))}
          </p>
          <StatsChart lessons={s.lessons} />
        </>
      )}
      <Engagement lessons={lessons} />
      <h3>{t("stats.students")}</h3>
      {students.data?.items.length === 0 && <p className="muted">{t("stats.noStudents")}</p>}
      <ul>
        {students.data?.items.map((st) => (
          <li key={st.user_id}>
            {st.name} {`<${st.email}>`} <span className="badge">{stateNames[st.state] ?? st.state}</span>{" "}
            {st.state === "active" && (
              <button
                type="button"
                className="link"
                aria-label={t("stats.unlockAria", { email: st.email })}
                onClick={() => void unlock(st.user_id, st.email)}
              >
                {t("stats.unlock")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!!students.data?.items.length && (
        <form className="row wrap" onSubmit={grant}>
          <label>
            {t("stats.student")}
            <select required value={student} onChange={(e) => setStudent(e.target.value)}>
              <option value="">{t("stats.choose")}</option>
              {students.data.items.map((st) => (
                <option key={st.user_id} value={st.user_id}>
                  {st.email}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("stats.lesson")}
            <select value={lesson} onChange={(e) => setLesson(e.target.value)}>
              {lessons.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("stats.extraPlays")}
            <input type="number" min="1" max="1000" value={extra} onChange={(e) => setExtra(e.target.value)} />
          </label>
          <button disabled={action.busy}>{t("stats.grant")}</button>
        </form>
      )}
      <Notice error={action.error} />
      {granted && <Notice kind="success">{granted}</Notice>}
    </section>
  );
}
