import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { MoneyReport } from "../components/MoneyReport";
import { Loading, Notice, useAction, useLoad } from "../components/ui";
import { formatMoney } from "../i18n/format";
import { Bundles } from "./studio/Bundles";
import { StudioDashboard } from "./studio/Dashboard";
import { PlansCard } from "./studio/Plans";
import { courseStatus } from "./studio/statusLabels";

/** The instructor's front page: the dashboard, their courses (and a new one), bundles,
 * plans and the money report. */
export function Studio() {
  const { t } = useTranslation("studio");
  const navigate = useNavigate();
  const { data, error } = useLoad(() => unwrap(api.GET("/api/me/teaching")), []);
  const [title, setTitle] = useState("");
  const action = useAction();

  async function create(event: FormEvent) {
    event.preventDefault();
    const course = await action.run(() =>
      unwrap(
        api.POST("/api/courses", {
          body: {
            title,
            description: "",
            outcomes: "",
            price: { amount: 0, currency: "usd" },
            policy: {
              key_protection: "session",
              forensic_watermark: false,
              unmarked_start: "wait",
              checkpoints_exempt: true,
            },
            completion: { video_share: 90, pass_rule: "none", pass_mark: 70, show_score: true },
          },
        }),
      ),
    );
    if (course) navigate(`/studio/courses/${course.id}`);
  }

  return (
    <main>
      <h1>{t("studio.title")}</h1>
      <StudioDashboard />
      <h2>{t("studio.courses")}</h2>
      <form className="card form inline-form" onSubmit={create}>
        <label>
          {t("studio.newCourse")}
          <input
            required
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder={t("studio.newCoursePlaceholder")}
          />
        </label>
        <button className="primary" disabled={action.busy}>
          {t("studio.create")}
        </button>
      </form>
      <Notice error={action.error ?? error} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p className="empty">{t("studio.noCourses")}</p>
      ) : (
        <ul className="grid">
          {data.map((c) => (
            <li key={c.id} className="card course-card">
              <h2>
                <Link to={`/studio/courses/${c.id}`}>{c.title}</Link>
              </h2>
              <p className="meta">
                <span className={`badge state-${c.status}`}>{courseStatus(t, c.status)}</span>
                <span>{t("studio.lessons", { count: c.lesson_count })}</span>
                <strong>{formatMoney(c.price.amount, c.price.currency)}</strong>
              </p>
            </li>
          ))}
        </ul>
      )}
      {data && <Bundles courses={data} />}
      <PlansCard />
      <MoneyReport heading={t("studio.revenue")} />
    </main>
  );
}
