import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, money, type Schemas } from "../../api/client";
import type { Plan, PlanCreate } from "../../api/memberships";
import { CurrencyField, ErrorList, Notice, SaveButtons, useAction } from "../../components/ui";
import { planBody, planForm, type PlanForm as Fields } from "../../memberships";
import { courseStatus } from "./statusLabels";

type Course = Schemas["CourseSummary"];

/** Creates or edits a membership plan: title, description, its courses (an admin may
 * choose every course, those published later included), a monthly and/or yearly price. */
export function PlanForm({
  courses,
  admin,
  initial,
  onSave,
  onCancel,
}: {
  courses: Course[];
  admin: boolean;
  initial?: Plan;
  onSave(body: PlanCreate): Promise<unknown>;
  onCancel(): void;
}) {
  const { t } = useTranslation("editor");
  const intervals = [
    { key: "month", label: t("planForm.monthPrice"), hint: t("planForm.monthHint"), placeholder: "9.99" },
    { key: "year", label: t("planForm.yearPrice"), hint: t("planForm.yearHint"), placeholder: "99.00" },
  ] as const;
  const [form, setForm] = useState<Fields>(() => planForm(initial));
  const action = useAction();
  const prefix = initial ? `plan-${initial.id}` : "plan-new";
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setForm((f) => ({ ...f, [key]: value }));

  function toggle(id: string, on: boolean) {
    setForm((f) => ({ ...f, courseIds: on ? [...f.courseIds, id] : f.courseIds.filter((c) => c !== id) }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = planBody(form);
    if (body instanceof Error) {
      action.setError(body);
      return;
    }
    await action.run(() => onSave(body));
  }

  // 422 invalid_plan_courses names the courses refused.
  const refused =
    action.error instanceof ApiError ? (action.error.detail as { course_ids?: string[] } | null)?.course_ids : null;
  const titles = new Map(courses.map((c) => [c.id, c.title]));
  return (
    <form
      className="form plan-form"
      onSubmit={submit}
      aria-label={initial ? t("shared.editAria", { title: initial.title }) : t("planForm.newLabel")}
    >
      <label>
        {t("planForm.title")}
        <input required maxLength={200} value={form.title} onChange={(e) => set("title", e.target.value)} />
      </label>
      <label>
        {t("shared.description")} <small className="muted">{t("planForm.descriptionHint")}</small>
        <textarea
          rows={2}
          maxLength={5000}
          value={form.description}
          onChange={(e) => set("description", e.target.value)}
        />
      </label>
      <fieldset>
        <legend>{t("planForm.courses")}</legend>
        {admin && (
          <label className="inline block-line">
            <input type="checkbox" checked={form.allCourses} onChange={(e) => set("allCourses", e.target.checked)} />{" "}
            {t("planForm.allCourses")}
          </label>
        )}
        {!form.allCourses && (
          <>
            {courses.length === 0 && <p className="muted">{t("planForm.noCourses")}</p>}
            {courses.map((c) => (
              <label key={c.id} className="inline block-line">
                <input
                  type="checkbox"
                  checked={form.courseIds.includes(c.id)}
                  onChange={(e) => toggle(c.id, e.target.checked)}
                />{" "}
                {c.title}{" "}
                <span className="muted">
                  (
                  {c.status === "published"
                    ? money(c.price.amount, c.price.currency)
                    : t("planForm.notPublished", { status: courseStatus(t, c.status) })}
                  )
                </span>
              </label>
            ))}
          </>
        )}
      </fieldset>
      <div className="row wrap">
        {intervals.map(({ key, label, hint, placeholder }) => (
          <label key={key} className="grow">
            {label} <small className="muted">{hint}</small>
            <input
              id={`${prefix}-${key}`}
              inputMode="decimal"
              placeholder={placeholder}
              value={form[key]}
              onChange={(e) => set(key, e.target.value)}
            />
          </label>
        ))}
        <CurrencyField value={form.currency} onChange={(value) => set("currency", value)} />
      </div>
      {initial && <p className="muted small">{t("planForm.newPrices")}</p>}
      <Notice error={action.error} />
      <ErrorList items={refused?.map((id) => titles.get(id) ?? id)} />
      <SaveButtons thing={t("planForm.thing")} editing={Boolean(initial)} busy={action.busy} onCancel={onCancel} />
    </form>
  );
}
