import { useTranslation } from "react-i18next";
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
  graceText,
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
  const { t } = useTranslation("membership");
  const { data, error, reload, setData } = useLoad(myMemberships, []);
  const shown = data ? sortMemberships(data) : null;

  function replace(updated: Membership) {
    setData((data ?? []).map((m) => (m.id === updated.id ? updated : m)));
  }

  return (
    <section className="card" aria-labelledby="membership-title" id="membership" data-testid="membership-section">
      <h2 id="membership-title">{t("section.title")}</h2>
      <Notice error={error} />
      {!shown ? (
        !error && <Loading />
      ) : shown.length === 0 ? (
        <p className="muted">
          {t("section.none")} <Link to="/pricing">{t("section.seePlans")}</Link>
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
  const { t } = useTranslation("membership");
  return (
    <main className="narrow">
      <h1>{t("section.page")}</h1>
      <MembershipSection />
      <p>
        <Link to="/account">{t("section.back")}</Link>
      </p>
    </main>
  );
}

function MembershipRow({
  membership: m,
  onChange,
  onGone,
}: {
  membership: Membership;
  onChange: (m: Membership) => void;
  onGone: () => Promise<void>;
}) {
  const { t } = useTranslation("membership");
  const testLabels: Partial<Record<LocalAction, () => string>> = {
    renew: () => t("tests.renew"),
    fail_renewal: () => t("tests.failRenewal"),
    recover: () => t("tests.recover"),
    delete: () => t("tests.delete"),
  };
  const testConfirm: Partial<Record<LocalAction, () => string>> = {
    delete: () => t("tests.confirmDelete"),
  };
  const action = useAction();
  const now = new Date();
  const status = statusAt(m, now);
  const view = describeMembership(m, now);
  const can = memberActions(m, now);
  const tests = testActions(m, now).filter((a) => testLabels[a]);
  const titleId = `membership-${m.id}`;

  async function run(change: () => Promise<Membership>, question?: string) {
    if (question && !window.confirm(question)) return;
    const updated = await action.run(change);
    if (updated) onChange(updated);
    else await onGone(); // refused: show what the server has now
  }

  const cancelQuestion = t("row.confirmCancel", {
    plan: m.plan_title,
    date: formatDate(m.paid_through ?? m.access_until),
  });
  const resumeQuestion = t("row.confirmResume", {
    plan: m.plan_title,
    date: formatDate(m.paid_through),
    price: priceText(m.amount, m.currency, m.interval),
  });

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
          <strong>{t("row.lastPaymentFailed")}</strong> {graceText(m)}
        </Notice>
      ) : (
        <p data-testid="membership-detail">{view.detail}</p>
      )}
      <dl className="facts">
        <div>
          <dt>{t("row.price")}</dt>
          <dd>{priceText(m.amount, m.currency, m.interval)}</dd>
        </div>
        {m.started_at && (
          <div>
            <dt>{t("row.since")}</dt>
            <dd>{formatDate(m.started_at)}</dd>
          </div>
        )}
        {status === "active" && !m.cancel_at_period_end && m.paid_through && (
          <div>
            <dt>{t("row.nextRenewal")}</dt>
            <dd data-testid="membership-renewal">{formatDate(m.paid_through)}</dd>
          </div>
        )}
        {(status === "past_due" || m.cancel_at_period_end) && status !== "ended" && m.access_until && (
          <div>
            <dt>{t("row.accessUntil")}</dt>
            <dd data-testid="membership-until">{formatDate(m.access_until)}</dd>
          </div>
        )}
      </dl>
      <div className="row wrap">
        {status === "pending" && m.checkout_url && (
          <Link className="button primary" to={m.checkout_url}>
            {t("row.finishTest")}
          </Link>
        )}
        {can.cancel && (
          <button disabled={action.busy} onClick={() => void run(() => cancelMembership(m.id), cancelQuestion)}>
            {t("row.cancel")}
          </button>
        )}
        {can.resume && (
          <button
            className="primary"
            disabled={action.busy}
            onClick={() => void run(() => resumeMembership(m.id), resumeQuestion)}
          >
            {t("row.resume")}
          </button>
        )}
        {status === "ended" && <Link to="/pricing">{t("row.joinAgain")}</Link>}
      </div>
      <Notice error={action.error} />
      {tests.length > 0 && (
        <div className="test-tools" role="group" aria-labelledby={`${titleId}-tests`}>
          <p id={`${titleId}-tests`}>
            <strong>{t("tests.title")}</strong> <span className="muted">{t("tests.hint")}</span>
          </p>
          <div className="row wrap">
            {tests.map((a) => (
              <button
                key={a}
                className="small-button"
                disabled={action.busy}
                onClick={() => void run(() => simulate(m.id, a), testConfirm[a]?.())}
              >
                {t("tests.button", { action: testLabels[a]?.() })}
              </button>
            ))}
          </div>
        </div>
      )}
    </article>
  );
}
