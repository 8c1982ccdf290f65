import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../../api/client";
import { percentText } from "../../../components/quiz/answers";
import { Loading, Notice, useLoad } from "../../../components/ui";
import { formatNumber } from "../../../i18n/format";

/** One quiz's results for its instructor: how each question went and each student's
 * attempts. The CSV is a plain link: sign-in travels in cookies. */
export function QuizResults() {
  const { t } = useTranslation("editor");
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
          <Link to="/studio">{t("shared.studio")}</Link> /{" "}
          <Link to={`/studio/courses/${edit.data.course_id}`}>{t("results.course")}</Link> / {t("results.title")}
        </p>
      )}
      <h1>{r ? t("results.titleOf", { title: r.title }) : t("results.title")}</h1>
      <Notice error={results.error ?? edit.error} />
      {!r ? (
        !results.error && <Loading />
      ) : (
        <>
          <p>
            <a className="button" href={`/api/quizzes/${encodeURIComponent(quizId)}/results.csv`} download>
              {t("results.csv")}
            </a>
          </p>
          <section className="card">
            <h2>{t("results.questions")}</h2>
            <table className="results-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t("results.question")}</th>
                  <th scope="col">{t("results.answered")}</th>
                  <th scope="col">{t("results.right")}</th>
                  <th scope="col">{t("results.commonWrong")}</th>
                </tr>
              </thead>
              <tbody>
                {r.questions.map((q, i) => (
                  <tr key={q.question_id}>
                    <td>{i + 1}</td>
                    <td>{q.stem}</td>
                    <td>{formatNumber(q.answered)}</td>
                    <td>{q.right_share == null ? "–" : percentText(q.right_share * 100)}</td>
                    <td>{q.common_wrong ? `${q.common_wrong} (${q.common_wrong_count}×)` : "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="card">
            <h2>{t("results.students")}</h2>
            {r.students.length === 0 ? (
              <p className="muted">{t("results.noAttempts")}</p>
            ) : (
              <table className="results-table">
                <thead>
                  <tr>
                    <th scope="col">{t("results.student")}</th>
                    <th scope="col">{t("results.best")}</th>
                    <th scope="col">{t("results.passed")}</th>
                    <th scope="col">{t("results.attempts")}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.students.map((s) => (
                    <tr key={s.user_id}>
                      <td>
                        {s.name} <span className="muted">{`<${s.email}>`}</span>
                      </td>
                      <td>{percentText(s.best_percent)}</td>
                      <td>{s.passed ? t("results.yes") : t("results.no")}</td>
                      <td>
                        {s.attempts
                          .map((a) => `#${a.number}: ${a.submitted_at ? percentText(a.percent) : t("results.open")}`)
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
