import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, money, type Schemas } from "../../api/client";
import type { Bundle, BundleCreate } from "../../api/sales";
import { CurrencyField, ErrorList, Notice, SaveButtons, useAction } from "../../components/ui";

type Course = Schemas["CourseSummary"];

/** Creates or edits a bundle: its title, description, courses (two or more of the
 * instructor's published courses), price and whether it is on sale. */
export function BundleForm({
  courses,
  initial,
  onSave,
  onCancel,
}: {
  courses: Course[];
  initial?: Bundle;
  onSave(body: BundleCreate): Promise<unknown>;
  onCancel(): void;
}) {
  const { t } = useTranslation("editor");
  const [title, setTitle] = useState(initial?.title ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [chosen, setChosen] = useState<string[]>(initial?.course_ids ?? []);
  const [price, setPrice] = useState(initial ? (initial.price.amount / 100).toFixed(2) : "");
  const [currency, setCurrency] = useState(
    (initial?.price.currency ?? courses[0]?.price.currency ?? "usd").toUpperCase(),
  );
  const [published, setPublished] = useState(initial?.published ?? true);
  const action = useAction();
  const prefix = initial ? `bundle-${initial.id}` : "bundle-new";

  const picked = courses.filter((c) => chosen.includes(c.id));
  const separate = picked
    .filter((c) => c.price.currency.toLowerCase() === currency.toLowerCase())
    .reduce((sum, c) => sum + c.price.amount, 0);

  function toggle(id: string, on: boolean) {
    setChosen((now) => (on ? [...now, id] : now.filter((c) => c !== id)));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen.length < 2) {
      action.setError(new Error(t("bundleForm.chooseTwo")));
      return;
    }
    await action.run(() =>
      onSave({
        title,
        description,
        course_ids: chosen,
        price: { amount: Math.round(Number(price) * 100), currency: currency.toLowerCase() },
        published,
      }),
    );
  }

  const reasons =
    action.error instanceof ApiError ? (action.error.detail as { reasons?: string[] } | null)?.reasons : null;
  return (
    <form
      className="form bundle-form"
      onSubmit={submit}
      aria-label={initial ? t("shared.editAria", { title: initial.title }) : t("bundleForm.newLabel")}
    >
      <label>
        {t("bundleForm.title")}
        <input required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        {t("shared.description")} <small className="muted">{t("shared.optional")}</small>
        <textarea rows={2} maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <fieldset>
        <legend>{t("bundleForm.courses")}</legend>
        {courses.length === 0 && <p className="muted">{t("bundleForm.publishFirst")}</p>}
        {courses.map((c) => (
          <label key={c.id} className="inline block-line">
            <input type="checkbox" checked={chosen.includes(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} />
            {c.title} <span className="muted">({money(c.price.amount, c.price.currency)})</span>
          </label>
        ))}
      </fieldset>
      <div className="row wrap">
        <label className="grow">
          {t("bundleForm.price")}
          <input
            id={`${prefix}-price`}
            type="number"
            required
            min="0.01"
            step="0.01"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        </label>
        <CurrencyField value={currency} onChange={setCurrency} />
      </div>
      {picked.length > 0 && (
        <p className="muted" data-testid="bundle-separate">
          {t("bundleForm.separately", { price: money(separate, currency || "usd") })}
        </p>
      )}
      <label className="inline">
        <input type="checkbox" checked={published} onChange={(e) => setPublished(e.target.checked)} />{" "}
        {t("bundleForm.onSale")}
      </label>
      <Notice error={action.error} />
      <ErrorList items={reasons} />
      <SaveButtons thing={t("bundleForm.thing")} editing={Boolean(initial)} busy={action.busy} onCancel={onCancel} />
    </form>
  );
}
