import { useState } from "react";
import { useTranslation } from "react-i18next";
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
  const { t } = useTranslation("editor");
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
        <Link to="/studio">{t("plans.crumb")}</Link>
      </p>
      <div className="row spread wrap">
        <h1>{t("plans.title")}</h1>
        {editing !== "new" && (
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            {t("plans.new")}
          </button>
        )}
      </div>
      <p className="muted">
        {t("plans.intro")} {admin ? t("plans.introAdmin") : t("plans.introOwn")} {t("plans.listedBefore")}{" "}
        <Link to="/pricing">{t("plans.pricingPage")}</Link>
        {t("plans.listedAfter")}
      </p>
      {editing === "new" && (
        <section className="card" aria-label={t("plans.new")}>
          <h2>{t("plans.new")}</h2>
          <PlanForm courses={courses.data ?? []} admin={admin} onSave={create} onCancel={() => setEditing(null)} />
        </section>
      )}
      <Notice error={plans.error ?? courses.error} />
      {!plans.data ? (
        !plans.error && <Loading />
      ) : plans.data.length === 0 ? (
        <p className="empty">{t("plans.empty")}</p>
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
  const { t } = useTranslation("editor");
  const action = useAction();
  const [inUse, setInUse] = useState(false);
  const titles = new Map(courses.map((c) => [c.id, c.title]));
  const prices = intervalsOf(plan.prices)
    .map((i) => priceText(plan.prices[i]!.amount, plan.prices[i]!.currency, i))
    .join(` ${t("plans.or")} `);
  const scope = plan.all_courses
    ? t("plans.allCourses", { count: plan.course_count })
    : plan.course_ids.map((id) => titles.get(id) ?? plan.courses.find((c) => c.id === id)?.title ?? id).join(" · ");

  async function setActive(active: boolean) {
    const done = await action.run(() => updatePlan(plan.id, { active }));
    if (done) {
      setInUse(false);
      await onChanged();
    }
  }

  async function remove() {
    if (!window.confirm(t("plans.deleteConfirm", { title: plan.title }))) return;
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
        <span className={`badge state-${plan.active ? "active" : "draft"}`}>
          {plan.active ? t("plans.active") : t("plans.inactive")}
        </span>{" "}
        <span>{prices}</span>
        <p className="muted small">{scope}</p>
        {inUse && (
          <div className="notice notice-error" role="alert" data-testid="plan-in-use">
            <strong>{t("plans.inUse", { title: plan.title })}</strong>{" "}
            {plan.active ? t("plans.inUseActive") : t("plans.inUseInactive")}
          </div>
        )}
      </div>
      <div className="row wrap">
        <button type="button" onClick={onEdit} aria-label={t("shared.editAria", { title: plan.title })}>
          {t("shared.edit")}
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void setActive(!plan.active)}
          aria-label={
            plan.active
              ? t("plans.deactivateAria", { title: plan.title })
              : t("plans.activateAria", { title: plan.title })
          }
        >
          {plan.active ? t("plans.deactivate") : t("plans.activate")}
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void remove()}
          aria-label={t("shared.deleteAria", { title: plan.title })}
        >
          {t("shared.delete")}
        </button>
      </div>
      <Notice error={action.error} />
    </div>
  );
}

/** The studio's way to its membership plans page. */
export function PlansCard() {
  const { t } = useTranslation("editor");
  return (
    <section className="card" aria-labelledby="plans-title">
      <h2 id="plans-title">{t("plans.title")}</h2>
      <p className="muted">{t("plans.cardIntro")}</p>
      <Link className="button" to="/studio/plans">
        {t("plans.manage")}
      </Link>
    </section>
  );
}
