import { Link } from "react-router-dom";
import {
  cancelMembership,
  myMemberships,
  resumeMembership,
  simulate,
  type LocalAction,
  type Membership,
} from "../../api/memberships";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";
import {
  describeMembership,
  formatDate,
  memberActions,
  priceText,
  sortMemberships,
  statusAt,
  testActions,
} from "../../memberships";

/** The account page's "Membership" section: each membership's plan, status and dates,
 * Cancel (at the period end) and Resume; in development the test subscription's
 * simulations, so every state can be tried. */
export function MembershipSection() {
  const { data, error, reload, setData } = useLoad(myMemberships, []);
  const shown = data ? sortMemberships(data) : null;

  function replace(updated: Membership) {
    setData((data ?? []).map((m) => (m.id === updated.id ? updated : m)));
  }

  return (
    <section className="card" aria-labelledby="membership-title" id="membership" data-testid="membership-section">
      <h2 id="membership-title">Membership</h2>
      <Notice error={error} />
      {!shown ? (
        !error && <Loading />
      ) : shown.length === 0 ? (
        <p className="muted">
          You are not a member of a plan. <Link to="/pricing">See the membership plans</Link>
        </p>
      ) : (
        <ul className="plain">
          {shown.map((m) => (
            <li key={m.id}>
              <MembershipRow membership={m} onChange={replace} onGone={reload} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The account's own page for memberships (mailed links point here). */
export function MembershipsPage() {
  return (
    <main className="narrow">
      <h1>Your membership</h1>
      <MembershipSection />
      <p>
        <Link to="/account">Back to your account</Link>
      </p>
    </main>
  );
}

const TEST_LABELS: Partial<Record<LocalAction, string>> = {
  renew: "Renew now",
  fail_renewal: "Fail the next renewal",
  recover: "Recover the failed payment",
  delete: "Delete the subscription",
};

const TEST_CONFIRM: Partial<Record<LocalAction, string>> = {
  delete: "Delete the test subscription at once? The membership ends now and its courses close.",
};

function MembershipRow({
  membership: m,
  onChange,
  onGone,
}: {
  membership: Membership;
  onChange: (m: Membership) => void;
  onGone: () => Promise<void>;
}) {
  const action = useAction();
  const now = new Date();
  const status = statusAt(m, now);
  const view = describeMembership(m, now);
  const can = memberActions(m, now);
  const tests = testActions(m, now).filter((a) => TEST_LABELS[a]);
  const titleId = `membership-${m.id}`;

  async function run(change: () => Promise<Membership>, question?: string) {
    if (question && !window.confirm(question)) return;
    const updated = await action.run(change);
    if (updated) onChange(updated);
    else await onGone(); // refused: show what the server has now
  }

  const cancelQuestion =
    `Cancel your ${m.plan_title} membership? It will not renew; you keep access until ` +
    `${formatDate(m.paid_through ?? m.access_until)}.`;
  const resumeQuestion =
    `Resume your ${m.plan_title} membership? It renews on ${formatDate(m.paid_through)} at ` +
    `${priceText(m.amount, m.currency, m.interval)}.`;

  return (
    <article aria-labelledby={titleId} data-testid="membership" className="membership">
      <div className="row spread wrap">
        <h3 id={titleId}>{m.plan_title}</h3>
        <span className={`badge tone-${view.tone}`} data-testid="membership-status">
          {view.label}
        </span>
      </div>
      {status === "past_due" ? (
        <Notice>
          <strong>Your last payment failed.</strong> {view.detail.replace(/^The last payment failed\. /, "")}
        </Notice>
      ) : (
        <p data-testid="membership-detail">{view.detail}</p>
      )}
      <dl className="facts">
        <div>
          <dt>Price</dt>
          <dd>{priceText(m.amount, m.currency, m.interval)}</dd>
        </div>
        {m.started_at && (
          <div>
            <dt>Member since</dt>
            <dd>{formatDate(m.started_at)}</dd>
          </div>
        )}
        {status === "active" && !m.cancel_at_period_end && m.paid_through && (
          <div>
            <dt>Next renewal</dt>
            <dd data-testid="membership-renewal">{formatDate(m.paid_through)}</dd>
          </div>
        )}
        {(status === "past_due" || m.cancel_at_period_end) && status !== "ended" && m.access_until && (
          <div>
            <dt>Access until</dt>
            <dd data-testid="membership-until">{formatDate(m.access_until)}</dd>
          </div>
        )}
      </dl>
      <div className="row wrap">
        {status === "pending" && m.checkout_url && (
          <Link className="button primary" to={m.checkout_url}>
            Finish the test payment
          </Link>
        )}
        {can.cancel && (
          <button disabled={action.busy} onClick={() => void run(() => cancelMembership(m.id), cancelQuestion)}>
            Cancel membership
          </button>
        )}
        {can.resume && (
          <button
            className="primary"
            disabled={action.busy}
            onClick={() => void run(() => resumeMembership(m.id), resumeQuestion)}
          >
            Resume membership
          </button>
        )}
        {status === "ended" && <Link to="/pricing">Join again</Link>}
      </div>
      <Notice error={action.error} />
      {tests.length > 0 && (
        <div className="test-tools" role="group" aria-labelledby={`${titleId}-tests`}>
          <p id={`${titleId}-tests`}>
            <strong>Test tools</strong>{" "}
            <span className="muted">
              (development only: this membership is paid through the local test checkout, so you can play the payment
              provider)
            </span>
          </p>
          <div className="row wrap">
            {tests.map((a) => (
              <button
                key={a}
                className="small-button"
                disabled={action.busy}
                onClick={() => void run(() => simulate(m.id, a), TEST_CONFIRM[a])}
              >
                {TEST_LABELS[a]} (test)
              </button>
            ))}
          </div>
        </div>
      )}
    </article>
  );
}
