import { useState, type FormEvent } from "react";
import { api, money, unwrap, type Schemas } from "../../api/client";
import { StatsChart } from "../../components/StatsChart";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";
import { Engagement } from "./Engagement";

/** Enrollments, revenue, completion per lesson, the students, and extra plays for one. */
export function Stats({ courseId, lessons }: { courseId: string; lessons: Schemas["LessonRead"][] }) {
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
    if (result) setGranted(`Granted: ${result.extra_plays} extra plays in all (${result.plays} used).`);
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
    if (done) setGranted(`Every lesson is open for ${email} now.`);
  }

  const s = stats.data;
  return (
    <section className="card">
      <h2>Stats</h2>
      {!s ? (
        <Loading />
      ) : (
        <>
          <p className="meta">
            <span>
              <strong>{s.active_enrollments}</strong> active students
            </span>
            {s.revenue.map((r) => (
              <span key={r.currency}>
                Revenue <strong>{money(r.net, r.currency)}</strong>
                {r.refunded > 0 && ` (refunded ${money(r.refunded, r.currency)})`}
              </span>
            ))}
          </p>
          <StatsChart lessons={s.lessons} />
        </>
      )}
      <Engagement lessons={lessons} />
      <h3>Students</h3>
      {students.data?.items.length === 0 && <p className="muted">No students yet.</p>}
      <ul>
        {students.data?.items.map((st) => (
          <li key={st.user_id}>
            {st.name} &lt;{st.email}&gt; <span className="badge">{st.state}</span>{" "}
            {st.state === "active" && (
              <button
                type="button"
                className="link"
                aria-label={`Unlock all lessons for ${st.email}`}
                onClick={() => void unlock(st.user_id, st.email)}
              >
                Unlock all lessons
              </button>
            )}
          </li>
        ))}
      </ul>
      {!!students.data?.items.length && (
        <form className="row wrap" onSubmit={grant}>
          <label>
            Student
            <select required value={student} onChange={(e) => setStudent(e.target.value)}>
              <option value="">Choose…</option>
              {students.data.items.map((st) => (
                <option key={st.user_id} value={st.user_id}>
                  {st.email}
                </option>
              ))}
            </select>
          </label>
          <label>
            Lesson
            <select value={lesson} onChange={(e) => setLesson(e.target.value)}>
              {lessons.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            Extra plays
            <input type="number" min="1" max="1000" value={extra} onChange={(e) => setExtra(e.target.value)} />
          </label>
          <button disabled={action.busy}>Grant plays</button>
        </form>
      )}
      <Notice error={action.error} />
      {granted && <Notice kind="success">{granted}</Notice>}
    </section>
  );
}
