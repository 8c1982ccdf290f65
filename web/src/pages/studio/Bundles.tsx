import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { money, type Schemas } from "../../api/client";
import { createBundle, deleteBundle, myBundles, updateBundle, type Bundle } from "../../api/sales";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";
import { BundleForm } from "./BundleForm";

type Course = Schemas["CourseSummary"];

/** The instructor's bundles: several published courses sold together at one price. */
export function Bundles({ courses }: { courses: Course[] }) {
  const { t } = useTranslation("editor");
  const bundles = useLoad(myBundles, []);
  const [editing, setEditing] = useState<string | null>(null); // a bundle's id, or "new"
  const action = useAction();
  const published = courses.filter((c) => c.status === "published");
  const titles = new Map(courses.map((c) => [c.id, c.title]));

  async function create(body: Parameters<typeof createBundle>[0]) {
    await createBundle(body);
    setEditing(null);
    await bundles.reload();
  }

  async function save(bundle: Bundle, body: Parameters<typeof updateBundle>[1]) {
    await updateBundle(bundle.id, body);
    setEditing(null);
    await bundles.reload();
  }

  async function setOnSale(bundle: Bundle, on: boolean) {
    await action.run(() => updateBundle(bundle.id, { published: on }));
    await bundles.reload();
  }

  async function remove(bundle: Bundle) {
    if (!window.confirm(t("bundles.deleteConfirm", { title: bundle.title }))) return;
    await action.run(() => deleteBundle(bundle.id));
    await bundles.reload();
  }

  return (
    <section className="card" aria-labelledby="bundles-title">
      <div className="row spread">
        <h2 id="bundles-title">{t("bundles.title")}</h2>
        {editing !== "new" && (
          <button type="button" onClick={() => setEditing("new")} disabled={published.length < 2}>
            {t("bundleForm.newLabel")}
          </button>
        )}
      </div>
      <p className="muted">
        {t("bundles.intro")}
        {published.length < 2 && ` ${t("bundles.needTwo")}`}
      </p>
      {editing === "new" && <BundleForm courses={published} onSave={create} onCancel={() => setEditing(null)} />}
      <Notice error={action.error ?? bundles.error} />
      {!bundles.data ? (
        !bundles.error && <Loading />
      ) : bundles.data.length === 0 ? (
        <p className="empty">{t("bundles.empty")}</p>
      ) : (
        <ul className="plain bundle-list">
          {bundles.data.map((b) => (
            <li key={b.id} data-testid="bundle-row">
              <div className="row spread wrap">
                <div>
                  <strong>{b.title}</strong>{" "}
                  <span className={`badge state-${b.published ? "published" : "draft"}`}>
                    {b.published ? t("bundles.onSale") : t("bundles.draft")}
                  </span>{" "}
                  <span>{money(b.price.amount, b.price.currency)}</span>
                  <p className="muted small">{b.course_ids.map((id) => titles.get(id) ?? id).join(" · ")}</p>
                </div>
                <div className="row wrap">
                  <Link to={`/bundles/${b.id}`} aria-label={t("bundles.viewAria", { title: b.title })}>
                    {t("bundles.view")}
                  </Link>
                  <button
                    type="button"
                    onClick={() => setEditing(b.id)}
                    aria-label={t("shared.editAria", { title: b.title })}
                  >
                    {t("shared.edit")}
                  </button>
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() => void setOnSale(b, !b.published)}
                    aria-label={
                      b.published
                        ? t("bundles.unpublishAria", { title: b.title })
                        : t("bundles.publishAria", { title: b.title })
                    }
                  >
                    {b.published ? t("bundles.unpublish") : t("bundles.publish")}
                  </button>
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() => void remove(b)}
                    aria-label={t("shared.deleteAria", { title: b.title })}
                  >
                    {t("shared.delete")}
                  </button>
                </div>
              </div>
              {editing === b.id && (
                <BundleForm
                  courses={published.concat(
                    courses.filter((c) => c.status !== "published" && b.course_ids.includes(c.id)),
                  )}
                  initial={b}
                  onSave={(body) => save(b, body)}
                  onCancel={() => setEditing(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
