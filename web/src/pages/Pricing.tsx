import { useState } from "react";
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
import { intervalsOf, priceText, statusAt, yearlySaving } from "../memberships";

const SHOWN_COURSES = 6; // more sit behind "Show all"

/** The pricing page: every active membership plan, its courses and prices, and Subscribe
 * (Stripe Elements when Stripe is configured, else the local test checkout). */
export function Pricing() {
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
      <h1>Membership plans</h1>
      <p className="muted lead">
        One subscription opens every course of its plan for as long as you are a member. Cancel any time: you keep
        access until the end of the period you paid for.
      </p>
      {provider === "local" && (
        <Notice kind="info">
          <strong>Test mode.</strong> Stripe is not configured on this site: subscribing opens the test checkout, where
          no money moves.
        </Notice>
      )}
      {provider === null && items.length > 0 && (
        <Notice kind="info">Subscriptions are not open on this site yet: payments are not configured.</Notice>
      )}
      {items.length === 0 ? (
        <p className="empty">No membership plans are on offer yet. Courses can still be bought one by one.</p>
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
          <legend>Billing</legend>
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
              {i === "month" ? "Monthly" : "Yearly"}:{" "}
              <strong>{priceText(plan.prices[i]!.amount, plan.prices[i]!.currency, i)}</strong>
              {i === "year" && saving && <span className="badge state-active">save {saving}%</span>}
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
          You are a member{member.status === "past_due" ? " (your last payment failed)" : ""}.{" "}
          <Link to="/account/memberships">Manage your membership</Link>
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
            aria-label={`${user ? "Subscribe" : "Sign in to subscribe"} to ${plan.title}`}
          >
            {user ? "Subscribe" : "Sign in to subscribe"}
          </button>
        )
      )}
      <Notice error={action.error} />
    </article>
  );
}

function PlanCourses({ plan }: { plan: Plan }) {
  const courseLink = (c: Plan["courses"][number]) => (
    <li key={c.id}>
      <Link to={`/courses/${c.slug}`}>{c.title}</Link> <span className="muted">by {c.instructor_name}</span>
    </li>
  );
  const heading = plan.all_courses
    ? `Every course on the site, those published later too (${plan.course_count} now)`
    : `${plan.course_count} ${plan.course_count === 1 ? "course" : "courses"}`;
  return (
    <div className="plan-courses">
      <h3>Includes</h3>
      <p className="muted small">{heading}</p>
      <ul className="plain">{plan.courses.slice(0, SHOWN_COURSES).map(courseLink)}</ul>
      {plan.courses.length > SHOWN_COURSES && (
        <details>
          <summary>Show all {plan.course_count} courses</summary>
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
      if (current.status === "pending")
        throw new Error("The payment is still being confirmed. Check your account page in a minute.");
      if (current.status !== "active") throw new Error("The payment did not go through; nothing was charged.");
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
        Welcome! You are a member of {plan.title}. <Link to="/my">Go to My learning</Link>
      </Notice>
    );
  return (
    <div className="form">
      <div ref={card.mount} className="card-input" aria-label="Card details" />
      <div className="row">
        <button className="primary" disabled={!card.ready || action.busy} onClick={() => void pay()}>
          {action.busy ? "Paying…" : `Pay ${money(price.amount, price.currency)} and subscribe`}
        </button>
        <button type="button" onClick={onCancel} disabled={action.busy}>
          Cancel
        </button>
      </div>
      <p className="muted small">
        Renews every {interval} at {priceText(price.amount, price.currency, interval)} until you cancel.
      </p>
      <Notice error={action.error ?? card.error} />
    </div>
  );
}
