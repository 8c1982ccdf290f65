import { useState } from "react";
import { Link } from "react-router-dom";
import { api, ApiError, unwrap, type Schemas } from "../../api/client";
import { createPlan, deletePlan, myPlans, updatePlan, type Plan, type PlanCreate } from "../../api/memberships";
import { useAuth } from "../../auth";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";
import { intervalsOf, priceText } from "../../memberships";
import { PlanForm } from "./PlanForm";

type Course = Schemas["CourseSummary"];

/** The courses a plan may hold: an instructor's own (drafts too); for an admin, the
 * published catalog and their own. */
async function plannable(admin: boolean): Promise<Course[]> {
  const own = await unwrap(api.GET("/api/me/teaching"));
  if (!admin) return own;
  const catalog = await unwrap(api.GET("/api/courses", { params: { query: { page: 1, per_page: 100 } } }));
  const seen = new Set(own.map((c) => c.id));
  return [...own, ...catalog.items.filter((c) => !seen.has(c.id))];
}

/** The studio's membership plans page: create, edit, activate or deactivate, delete. */
export function StudioPlans() {
  const { is } = useAuth();
  const admin = is("admin");
  const plans = useLoad(myPlans, []);
  const courses = useLoad(() => plannable(admin), [admin]);
  const [editing, setEditing] = useState<string | null>(null); // a plan's id, or "new"

  async function create(body: PlanCreate) {
    await createPlan(body);
    setEditing(null);
    await plans.reload();
  }

  async function save(plan: Plan, body: PlanCreate) {
    await updatePlan(plan.id, body);
    setEditing(null);
    await plans.reload();
  }

  return (
    <main>
      <p className="crumbs">
        <Link to="/studio">Instructor studio</Link>
      </p>
      <div className="row spread wrap">
        <h1>Membership plans</h1>
        {editing !== "new" && (
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            New plan
          </button>
        )}
      </div>
      <p className="muted">
        A plan opens its courses to its members for as long as they pay, monthly or yearly.{" "}
        {admin
          ? "As an admin you can make a plan of every course on the site, those published later included."
          : "A plan holds courses of your own."}{" "}
        Active plans are listed on the <Link to="/pricing">pricing page</Link>.
      </p>
      {editing === "new" && (
        <section className="card" aria-label="New plan">
          <h2>New plan</h2>
          <PlanForm courses={courses.data ?? []} admin={admin} onSave={create} onCancel={() => setEditing(null)} />
        </section>
      )}
      <Notice error={plans.error ?? courses.error} />
      {!plans.data ? (
        !plans.error && <Loading />
      ) : plans.data.length === 0 ? (
        <p className="empty">No membership plans yet.</p>
      ) : (
        <ul className="plain plan-list">
          {plans.data.map((plan) => (
            <li key={plan.id} data-testid="plan-row">
              <PlanRow
                plan={plan}
                courses={courses.data ?? []}
                onEdit={() => setEditing(plan.id)}
                onChanged={plans.reload}
              />
              {editing === plan.id && (
                <PlanForm
                  courses={courses.data ?? []}
                  admin={admin}
                  initial={plan}
                  onSave={(body) => save(plan, body)}
                  onCancel={() => setEditing(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

function PlanRow({
  plan,
  courses,
  onEdit,
  onChanged,
}: {
  plan: Plan;
  courses: Course[];
  onEdit: () => void;
  onChanged: () => Promise<void>;
}) {
  const action = useAction();
  const [inUse, setInUse] = useState(false);
  const titles = new Map(courses.map((c) => [c.id, c.title]));
  const prices = intervalsOf(plan.prices)
    .map((i) => priceText(plan.prices[i]!.amount, plan.prices[i]!.currency, i))
    .join(" or ");
  const scope = plan.all_courses
    ? `All courses (${plan.course_count} published now, later ones too)`
    : plan.course_ids.map((id) => titles.get(id) ?? plan.courses.find((c) => c.id === id)?.title ?? id).join(" · ");

  async function setActive(active: boolean) {
    const done = await action.run(() => updatePlan(plan.id, { active }));
    if (done) {
      setInUse(false);
      await onChanged();
    }
  }

  async function remove() {
    if (!window.confirm(`Delete the plan “${plan.title}”? This cannot be undone.`)) return;
    setInUse(false);
    const done = await action.run(async () => {
      try {
        await deletePlan(plan.id);
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.code === "plan_in_use") {
          setInUse(true);
          return false;
        }
        throw e;
      }
    });
    if (done) await onChanged();
  }

  return (
    <div className="row spread wrap">
      <div>
        <strong>{plan.title}</strong>{" "}
        <span className={`badge state-${plan.active ? "active" : "draft"}`}>{plan.active ? "active" : "inactive"}</span>{" "}
        <span>{prices}</span>
        <p className="muted small">{scope}</p>
        {inUse && (
          <div className="notice notice-error" role="alert" data-testid="plan-in-use">
            <strong>“{plan.title}” cannot be deleted: people have been members of it.</strong>{" "}
            {plan.active
              ? "Deactivate it instead: it leaves the pricing page and takes no new members, while current members keep it until they cancel."
              : "It is inactive already: it takes no new members, and current members keep it until they cancel."}
          </div>
        )}
      </div>
      <div className="row wrap">
        <button type="button" onClick={onEdit} aria-label={`Edit ${plan.title}`}>
          Edit
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void setActive(!plan.active)}
          aria-label={`${plan.active ? "Deactivate" : "Activate"} ${plan.title}`}
        >
          {plan.active ? "Deactivate" : "Activate"}
        </button>
        <button type="button" disabled={action.busy} onClick={() => void remove()} aria-label={`Delete ${plan.title}`}>
          Delete
        </button>
      </div>
      <Notice error={action.error} />
    </div>
  );
}

/** The studio's way to its membership plans page. */
export function PlansCard() {
  return (
    <section className="card" aria-labelledby="plans-title">
      <h2 id="plans-title">Membership plans</h2>
      <p className="muted">
        Sell your courses by subscription: members pay monthly or yearly and keep access while they pay.
      </p>
      <Link className="button" to="/studio/plans">
        Manage membership plans
      </Link>
    </section>
  );
}
