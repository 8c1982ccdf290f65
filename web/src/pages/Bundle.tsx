import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { duration, money } from "../api/client";
import { checkoutBundle, getBundle } from "../api/sales";
import { useAuth } from "../auth";
import { Loading, Notice, useAction, useLoad } from "../components/ui";

/** A bundle on sale: its courses, its price against buying them one by one, and Buy. */
export function Bundle() {
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
          <p className="crumbs">Bundle</p>
          <h1>{bundle.title}</h1>
          <p className="muted">
            by {bundle.instructor_name} · {bundle.courses.length} courses
          </p>
          {bundle.description && <p className="description">{bundle.description}</p>}
        </div>
        <form className="card buy" onSubmit={buy} aria-label="Buy this bundle">
          <p className="price">{money(bundle.price.amount, bundle.price.currency)}</p>
          {bundle.separate_amount > 0 && (
            <p data-testid="bundle-saving">
              <s className="muted">{money(bundle.separate_amount, bundle.price.currency)}</s> if bought separately
              {saving > 0 && (
                <>
                  {" "}
                  · <strong>you save {money(saving, bundle.price.currency)}</strong>
                </>
              )}
            </p>
          )}
          <label>
            Coupon <small className="muted">(optional, site-wide coupons only)</small>
            <input value={coupon} onChange={(e) => setCoupon(e.target.value)} autoComplete="off" />
          </label>
          <button className="primary" disabled={action.busy}>
            {user ? "Buy the bundle" : "Sign in to buy"}
          </button>
          <Notice error={action.error} />
        </form>
      </header>
      <section aria-labelledby="bundle-courses">
        <h2 id="bundle-courses">Courses in this bundle</h2>
        <ul className="grid">
          {bundle.courses.map((c) => (
            <li key={c.id} className="card course-card" data-testid="bundle-course">
              {c.cover_url && <img className="cover" src={c.cover_url} alt="" loading="lazy" />}
              <h3>
                <Link to={`/courses/${c.slug}`}>{c.title}</Link>
              </h3>
              <p className="clamp">{c.description}</p>
              <p className="meta">
                <span>
                  {c.lesson_count} {c.lesson_count === 1 ? "lesson" : "lessons"}
                </span>
                {c.duration > 0 && <span>{duration(c.duration)}</span>}
                <span>
                  Alone: <strong>{money(c.price.amount, c.price.currency)}</strong>
                </span>
              </p>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
