import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { money } from "../api/client";
import {
  getMembership,
  membershipsChanged,
  myMemberships,
  pricingPlans,
  subscribe,
  type Interval,
  type Membership,
  type Plan,
  type PlanPage,
} from "../api/memberships";
import { useAuth } from "../auth";
import { useStripeCard } from "../components/StripeCard";
import { Loading, Notice, useAction, useLoad } from "../components/ui";
import { formatNumber } from "../i18n/format";
import { intervalName, intervalsOf, priceText, statusAt, yearlySaving } from "../memberships";

const SHOWN_COURSES = 6; // more sit behind "Show all"

/** The pricing page: every active membership plan, its courses and prices, and Subscribe
 * (Stripe Elements when Stripe is configured, else the local test checkout). */
export function Pricing() {
  const { t } = useTranslation("membership");
  const { user } = useAuth();
  const page = useLoad(pricingPlans, []);
  const mine = useLoad(async () => (user ? myMemberships() : []), [user?.id]);

  if (!page.data)
    return page.error ? (
      <main>
        <Notice error={page.error} />
      </main>
    ) : (
      <Loading />
    );
  const { items, provider } = page.data;
  return (
    <main>
      <h1>{t("pricing.title")}</h1>
      <p className="muted lead">{t("pricing.lead")}</p>
      {provider === "local" && (
        <Notice kind="info">
          <strong>{t("pricing.testTitle")}</strong> {t("pricing.testText")}
        </Notice>
      )}
      {provider === null && items.length > 0 && <Notice kind="info">{t("pricing.closed")}</Notice>}
      {items.length === 0 ? (
        <p className="empty">{t("pricing.empty")}</p>
      ) : (
        <ul className="plans">
          {items.map((plan) => (
            <li key={plan.id}>
              <PlanCard plan={plan} page={page.data!} memberships={mine.data ?? []} onJoined={() => mine.reload()} />
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

function PlanCard({
  plan,
  page,
  memberships,
  onJoined,
}: {
  plan: Plan;
  page: PlanPage;
  memberships: Membership[];
  onJoined: () => Promise<void>;
}) {
  const { t } = useTranslation("membership");
  const { user } = useAuth();
  const navigate = useNavigate();
  const intervals = intervalsOf(plan.prices);
  const [interval, setChosen] = useState<Interval>(intervals[0] ?? "month");
  const [paying, setPaying] = useState(false); // the Stripe card form is open
  const action = useAction();
  const saving = yearlySaving(plan.prices);
  const now = new Date();
  const member = memberships.find((m) => m.plan_id === plan.id && ["active", "past_due"].includes(statusAt(m, now)));
  const titleId = `plan-${plan.id}`;
  const price = plan.prices[interval];

  async function start() {
    if (!user) {
      navigate(`/signin?next=${encodeURIComponent("/pricing")}`);
      return;
    }
    if (page.provider === "stripe") {
      setPaying(true);
      return;
    }
    // The local test checkout: a membership waiting for this plan and interval is reused.
    const waiting = memberships.find(
      (m) => m.plan_id === plan.id && m.interval === interval && m.status === "pending" && m.checkout_url,
    );
    const membership = waiting ?? (await action.run(() => subscribe(plan.id, interval)));
    if (membership?.checkout_url) navigate(membership.checkout_url);
  }

  return (
    <article className="card plan" aria-labelledby={titleId} data-testid="plan">
      <h2 id={titleId}>{plan.title}</h2>
      {plan.description && <p className="pre-line">{plan.description}</p>}
      {intervals.length > 1 ? (
        <fieldset className="intervals">
          <legend>{t("pricing.billing")}</legend>
          {intervals.map((i) => (
            <label key={i} className="inline">
              <input
                type="radio"
                name={`interval-${plan.id}`}
                value={i}
                checked={interval === i}
                onChange={() => setChosen(i)}
                disabled={paying}
              />{" "}
              {intervalName(i)}: <strong>{priceText(plan.prices[i]!.amount, plan.prices[i]!.currency, i)}</strong>
              {i === "year" && saving && (
                <span className="badge state-active">{t("pricing.save", { percent: formatNumber(saving) })}</span>
              )}
            </label>
          ))}
        </fieldset>
      ) : (
        price && (
          <p className="price" data-testid="plan-price">
            {priceText(price.amount, price.currency, interval)}
          </p>
        )
      )}
      <PlanCourses plan={plan} />
      {member ? (
        <Notice kind="success">
          {member.status === "past_due" ? t("pricing.memberPastDue") : t("pricing.member")}{" "}
          <Link to="/account/memberships">{t("manage")}</Link>
        </Notice>
      ) : paying && price ? (
        <StripeSubscribe
          plan={plan}
          interval={interval}
          page={page}
          onCancel={() => setPaying(false)}
          onJoined={onJoined}
        />
      ) : (
        page.provider !== null && (
          <button
            className="primary"
            onClick={() => void start()}
            disabled={action.busy || !price}
            aria-label={
              user ? t("pricing.subscribeTo", { plan: plan.title }) : t("pricing.signInTo", { plan: plan.title })
            }
          >
            {user ? t("pricing.subscribe") : t("pricing.signIn")}
          </button>
        )
      )}
      <Notice error={action.error} />
    </article>
  );
}

function PlanCourses({ plan }: { plan: Plan }) {
  const { t } = useTranslation("membership");
  const courseLink = (c: Plan["courses"][number]) => (
    <li key={c.id}>
      <Link to={`/courses/${c.slug}`}>{c.title}</Link>{" "}
      <span className="muted">{t("pricing.by", { name: c.instructor_name })}</span>
    </li>
  );
  const heading = plan.all_courses
    ? t("pricing.allCourses", { count: plan.course_count })
    : t("pricing.courses", { count: plan.course_count });
  return (
    <div className="plan-courses">
      <h3>{t("pricing.includes")}</h3>
      <p className="muted small">{heading}</p>
      <ul className="plain">{plan.courses.slice(0, SHOWN_COURSES).map(courseLink)}</ul>
      {plan.courses.length > SHOWN_COURSES && (
        <details>
          <summary>{t("pricing.showAll", { count: plan.course_count })}</summary>
          <ul className="plain">{plan.courses.slice(SHOWN_COURSES).map(courseLink)}</ul>
        </details>
      )}
    </div>
  );
}

/** Stripe: the card is collected by Stripe Elements and turned into a PaymentMethod; the
 * server subscribes with it (taking the first payment at once) and the membership opens
 * once the payment is confirmed. */
function StripeSubscribe({
  plan,
  interval,
  page,
  onCancel,
  onJoined,
}: {
  plan: Plan;
  interval: Interval;
  page: PlanPage;
  onCancel: () => void;
  onJoined: () => Promise<void>;
}) {
  const { t } = useTranslation("membership");
  const card = useStripeCard(page.stripe_js_url, page.publishable_key);
  const action = useAction();
  const [joined, setJoined] = useState<Membership | null>(null);
  const price = plan.prices[interval]!;

  async function pay() {
    const membership = await action.run(async () => {
      const method = await card.paymentMethod();
      let current = await subscribe(plan.id, interval, method);
      // Access opens once the server has the payment from Stripe (at once, or by its event).
      for (let i = 0; current.status === "pending" && i < 30; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        current = await getMembership(current.id);
      }
      if (current.status === "pending") throw new Error(t("pay.stillPending"));
      if (current.status !== "active") throw new Error(t("pay.failed"));
      return current;
    });
    if (membership) {
      setJoined(membership);
      membershipsChanged();
      await onJoined();
    }
  }

  if (joined)
    return (
      <Notice kind="success">
        {t("pay.welcome", { plan: plan.title })} <Link to="/my">{t("checkout.myLearning")}</Link>
      </Notice>
    );
  return (
    <div className="form">
      <div ref={card.mount} className="card-input" aria-label={t("pay.card")} />
      <div className="row">
        <button className="primary" disabled={!card.ready || action.busy} onClick={() => void pay()}>
          {action.busy ? t("pay.busy") : t("pay.submit", { price: money(price.amount, price.currency) })}
        </button>
        <button type="button" onClick={onCancel} disabled={action.busy}>
          {t("pay.cancel")}
        </button>
      </div>
      <p className="muted small">
        {interval === "year"
          ? t("pay.renewsYearly", { price: priceText(price.amount, price.currency, interval) })
          : t("pay.renewsMonthly", { price: priceText(price.amount, price.currency, interval) })}
      </p>
      <Notice error={action.error ?? card.error} />
    </div>
  );
}
