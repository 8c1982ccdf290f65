import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { duration, money } from "../api/client";
import { checkoutBundle, getBundle } from "../api/sales";
import { useAuth } from "../auth";
import { Loading, Notice, useAction, useLoad } from "../components/ui";

/** A bundle on sale: its courses, its price against buying them one by one, and Buy. */
export function Bundle() {
  const { t } = useTranslation("shop");
  const { bundleId = "" } = useParams();
  const { user } = useAuth();
  const navigate = useNavigate();
  const { data: bundle, error } = useLoad(() => getBundle(bundleId), [bundleId]);
  const [coupon, setCoupon] = useState("");
  const action = useAction();

  if (!bundle) return <main>{error ? <Notice error={error} /> : <Loading />}</main>;

  const saving = bundle.separate_amount - bundle.price.amount;

  async function buy(event: FormEvent) {
    event.preventDefault();
    if (!user) {
      navigate(`/signin?next=${encodeURIComponent(`/bundles/${bundleId}`)}`);
      return;
    }
    const order = await action.run(() => checkoutBundle(bundleId, coupon.trim() || null));
    if (order) navigate(order.checkout_url);
  }

  return (
    <main>
      <header className="course-head">
        <div>
          <p className="crumbs">{t("bundle.crumb")}</p>
          <h1>{bundle.title}</h1>
          <p className="muted">
            {t("bundle.by", { name: bundle.instructor_name })} · {t("bundle.courses", { count: bundle.courses.length })}
          </p>
          {bundle.description && <p className="description">{bundle.description}</p>}
        </div>
        <form className="card buy" onSubmit={buy} aria-label={t("bundle.buyLabel")}>
          <p className="price">{money(bundle.price.amount, bundle.price.currency)}</p>
          {bundle.separate_amount > 0 && (
            <p data-testid="bundle-saving">
              <s className="muted">{money(bundle.separate_amount, bundle.price.currency)}</s> {t("bundle.separately")}
              {saving > 0 && (
                <>
                  {" "}
                  · <strong>{t("bundle.youSave", { amount: money(saving, bundle.price.currency) })}</strong>
                </>
              )}
            </p>
          )}
          <label>
            {t("coupon")} <small className="muted">{t("bundle.couponHint")}</small>
            <input value={coupon} onChange={(e) => setCoupon(e.target.value)} autoComplete="off" />
          </label>
          <button className="primary" disabled={action.busy}>
            {user ? t("bundle.buy") : t("signInToBuy")}
          </button>
          <Notice error={action.error} />
        </form>
      </header>
      <section aria-labelledby="bundle-courses">
        <h2 id="bundle-courses">{t("bundle.inside")}</h2>
        <ul className="grid">
          {bundle.courses.map((c) => (
            <li key={c.id} className="card course-card" data-testid="bundle-course">
              {c.cover_url && <img className="cover" src={c.cover_url} alt="" loading="lazy" />}
              <h3>
                <Link to={`/courses/${c.slug}`}>{c.title}</Link>
              </h3>
              <p className="clamp">{c.description}</p>
              <p className="meta">
                <span>{t("lessons", { count: c.lesson_count })}</span>
                {c.duration > 0 && <span>{duration(c.duration)}</span>}
                <span>
                  {t("bundle.alone")} <strong>{money(c.price.amount, c.price.currency)}</strong>
                </span>
              </p>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
