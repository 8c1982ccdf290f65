import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../../api/client";
import { percentText } from "../../../components/quiz/answers";
import { Loading, Notice, useLoad } from "../../../components/ui";

/** One quiz's results for its instructor: how each question went and each student's
 * attempts. The CSV is a plain link: sign-in travels in cookies. */
export function QuizResults() {
  const { quizId = "" } = useParams();
  const edit = useLoad(
    () => unwrap(api.GET("/api/quizzes/{quiz_id}/edit", { params: { path: { quiz_id: quizId } } })),
    [quizId],
  );
  const results = useLoad(
    () => unwrap(api.GET("/api/quizzes/{quiz_id}/results", { params: { path: { quiz_id: quizId } } })),
    [quizId],
  );
  const r = results.data;
  return (
    <main>
      {edit.data && (
        <p className="crumbs">
          <Link to="/studio">Studio</Link> / <Link to={`/studio/courses/${edit.data.course_id}`}>Course</Link> / Results
        </p>
      )}
      <h1>Results{r ? `: ${r.title}` : ""}</h1>
      <Notice error={results.error ?? edit.error} />
      {!r ? (
        !results.error && <Loading />
      ) : (
        <>
          <p>
            <a className="button" href={`/api/quizzes/${encodeURIComponent(quizId)}/results.csv`} download>
              Download CSV
            </a>
          </p>
          <section className="card">
            <h2>Questions</h2>
            <table className="results-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Question</th>
                  <th scope="col">Answered</th>
                  <th scope="col">Right</th>
                  <th scope="col">Most common wrong answer</th>
                </tr>
              </thead>
              <tbody>
                {r.questions.map((q, i) => (
                  <tr key={q.question_id}>
                    <td>{i + 1}</td>
                    <td>{q.stem}</td>
                    <td>{q.answered}</td>
                    <td>{q.right_share == null ? "–" : percentText(q.right_share * 100)}</td>
                    <td>{q.common_wrong ? `${q.common_wrong} (${q.common_wrong_count}×)` : "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="card">
            <h2>Students</h2>
            {r.students.length === 0 ? (
              <p className="muted">No attempts yet.</p>
            ) : (
              <table className="results-table">
                <thead>
                  <tr>
                    <th scope="col">Student</th>
                    <th scope="col">Best</th>
                    <th scope="col">Passed</th>
                    <th scope="col">Attempts</th>
                  </tr>
                </thead>
                <tbody>
                  {r.students.map((s) => (
                    <tr key={s.user_id}>
                      <td>
                        {s.name} <span className="muted">&lt;{s.email}&gt;</span>
                      </td>
                      <td>{percentText(s.best_percent)}</td>
                      <td>{s.passed ? "yes" : "no"}</td>
                      <td>
                        {s.attempts
                          .map((a) => `#${a.number}: ${a.submitted_at ? percentText(a.percent) : "open"}`)
                          .join(", ")}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </main>
  );
}
