import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { Loading, Notice, useLoad } from "../../components/ui";
import { formatMoney, formatNumber } from "../../i18n/format";
import { WeeklyBars } from "./WeeklyBars";
import "./studio.css";

type Dashboard = Schemas["StudioDashboard"];

const percent = (share: number) => formatNumber(share, { style: "percent", maximumFractionDigits: 0 });

/** The studio's front page: revenue and new students per week, who watches now,
 * completion per course and the lessons where viewers stop (the server's figures over
 * the instructor's own courses). */
export function StudioDashboard() {
  const { t } = useTranslation("studio");
  const { data, error } = useLoad(() => unwrap(api.GET("/api/reports/dashboard")), []);
  return (
    <section className="card dashboard" aria-labelledby="dashboard-title" data-testid="studio-dashboard">
      <h2 id="dashboard-title">{t("dashboard.title")}</h2>
      <Notice error={error} />
      {!data ? !error && <Loading label={t("dashboard.loading")} /> : <Figures data={data} />}
    </section>
  );
}

function Figures({ data }: { data: Dashboard }) {
  const { t } = useTranslation("studio");
  const newStudents = data.new_students.reduce((sum, week) => sum + week.count, 0);
  return (
    <>
      <p className="muted">{t("dashboard.scope")}</p>
      <ul className="dashboard-figures">
        <li data-testid="figure-new-students">
          <strong>{formatNumber(newStudents)}</strong>
          <span>{t("dashboard.newStudents", { count: newStudents })}</span>
        </li>
        <li data-testid="figure-watching">
          <strong>{formatNumber(data.watching_now)}</strong>
          <span>{t("dashboard.watchingNow", { count: data.watching_now })}</span>
        </li>
        <li data-testid="figure-completion">
          <strong>{percent(data.completion.completion_rate)}</strong>
          <span>
            {t("dashboard.finishedShare")}{" "}
            {t("completion.ofStudents", {
              finished: formatNumber(data.completion.finished),
              total: formatNumber(data.completion.enrolled),
            })}
          </span>
        </li>
        {data.revenue.map((r) => (
          <li key={r.currency} data-testid={`figure-revenue-${r.currency}`}>
            <strong>{formatMoney(r.net, r.currency)}</strong>
            <span>{t("dashboard.revenueFigure")}</span>
          </li>
        ))}
      </ul>
      <div className="dashboard-charts">
        {data.revenue.length === 0 ? (
          <p className="empty">{t("dashboard.noSales")}</p>
        ) : (
          data.revenue.map((r) => (
            <WeeklyBars
              key={r.currency}
              testId={`revenue-chart-${r.currency}`}
              title={t("dashboard.revenueChart", { currency: r.currency.toUpperCase() })}
              weeks={data.weeks}
              values={r.weeks.map((w) => w.net)}
              format={(minor) => formatMoney(minor, r.currency)}
            />
          ))
        )}
        <WeeklyBars
          testId="students-chart"
          title={t("dashboard.studentsChart")}
          weeks={data.weeks}
          values={data.new_students.map((w) => w.count)}
          format={(n) => formatNumber(n)}
        />
      </div>
      <div className="dashboard-lists">
        <CourseCompletion courses={data.courses} />
        <DropOffs drops={data.drop_offs} />
      </div>
    </>
  );
}

function CourseCompletion({ courses }: { courses: Dashboard["courses"] }) {
  const { t } = useTranslation("studio");
  return (
    <section aria-labelledby="completion-title">
      <h3 id="completion-title">{t("completion.title")}</h3>
      {courses.length === 0 ? (
        <p className="empty">{t("completion.none")}</p>
      ) : (
        <table className="dashboard-table">
          <thead>
            <tr>
              <th scope="col">{t("completion.course")}</th>
              <th scope="col">{t("completion.students")}</th>
              <th scope="col">{t("completion.rate")}</th>
              <th scope="col">{t("completion.watching")}</th>
            </tr>
          </thead>
          <tbody>
            {courses.map((c) => (
              <tr key={c.course_id} data-testid="completion-row">
                <th scope="row">
                  <Link to={`/studio/courses/${c.course_id}`}>{c.title}</Link>
                </th>
                <td>{formatNumber(c.enrolled)}</td>
                <td>
                  {percent(c.completion_rate)}{" "}
                  <span className="muted">
                    {t("completion.ofStudents", {
                      finished: formatNumber(c.finished),
                      total: formatNumber(c.enrolled),
                    })}
                  </span>
                </td>
                <td>{formatNumber(c.watching_now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DropOffs({ drops }: { drops: Dashboard["drop_offs"] }) {
  const { t } = useTranslation("studio");
  return (
    <section aria-labelledby="drop-offs-title">
      <h3 id="drop-offs-title">{t("dropOffs.title")}</h3>
      {drops.length === 0 ? (
        <p className="empty">{t("dropOffs.none")}</p>
      ) : (
        <ol className="drop-offs">
          {drops.map((d) => (
            <li key={d.lesson_id} data-testid="drop-off">
              <Link to={`/studio/courses/${d.course_id}?tab=lessons#lesson-${d.lesson_id}`}>{d.lesson_title}</Link>{" "}
              <span className="muted">{d.course_title}</span>
              <br />
              {t("dropOffs.stopped", {
                share: percent(d.share),
                stopped: formatNumber(d.stopped),
                views: formatNumber(d.views),
                count: d.views,
              })}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
