import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, money, unwrap } from "../api/client";
import { MoneyReport } from "../components/MoneyReport";
import { Loading, Notice, useAction, useLoad } from "../components/ui";
import { Bundles } from "./studio/Bundles";
import { PlansCard } from "./studio/Plans";

export function Studio() {
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
      <h1>Instructor studio</h1>
      <form className="card form inline-form" onSubmit={create}>
        <label>
          New course title
          <input
            required
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder="e.g. Practical Python"
          />
        </label>
        <button className="primary" disabled={action.busy}>
          Create course
        </button>
      </form>
      <Notice error={action.error ?? error} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p className="empty">No courses yet: create your first one above.</p>
      ) : (
        <ul className="grid">
          {data.map((c) => (
            <li key={c.id} className="card course-card">
              <h2>
                <Link to={`/studio/courses/${c.id}`}>{c.title}</Link>
              </h2>
              <p className="meta">
                <span className={`badge state-${c.status}`}>{c.status}</span>
                <span>{c.lesson_count} lessons</span>
                <strong>{money(c.price.amount, c.price.currency)}</strong>
              </p>
            </li>
          ))}
        </ul>
      )}
      {data && <Bundles courses={data} />}
      <PlansCard />
      <MoneyReport heading="Revenue" />
    </main>
  );
}
