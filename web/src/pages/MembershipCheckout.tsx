import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { money } from "../api/client";
import { getMembership, simulate } from "../api/memberships";
import { Loading, Notice, useAction, useLoad } from "../components/ui";
import { describeMembership, priceText } from "../memberships";

/** The local test checkout of a membership waiting for its first payment (development
 * only: with Stripe the card is taken on the pricing page). No money moves: the buttons
 * choose what the test subscription's first invoice does. */
export function MembershipCheckout() {
  const { t } = useTranslation("membership");
  const { membershipId = "" } = useParams();
  const { data: membership, error, setData } = useLoad(() => getMembership(membershipId), [membershipId]);
  const action = useAction();
  const [declined, setDeclined] = useState(false);

  if (!membership)
    return error ? (
      <main className="narrow">
        <Notice error={error} />
      </main>
    ) : (
      <Loading />
    );

  async function pay(outcome: "pay" | "decline") {
    const updated = await action.run(() => simulate(membershipId, outcome));
    if (updated) {
      setData(updated);
      setDeclined(outcome === "decline");
    }
  }

  const amount = money(membership.amount, membership.currency);
  const view = describeMembership(membership);
  return (
    <main className="narrow">
      <h1>{t("checkout.title")}</h1>
      <div className="card">
        <h2>{t("checkout.plan", { plan: membership.plan_title })}</h2>
        <p className="price">{priceText(membership.amount, membership.currency, membership.interval)}</p>
        {membership.status === "active" ? (
          <>
            <Notice kind="success">{t("checkout.paid")}</Notice>
            <div className="row wrap">
              <Link className="button primary" to="/my">
                {t("checkout.myLearning")}
              </Link>
              <Link className="button" to="/account/memberships">
                {t("manage")}
              </Link>
            </div>
          </>
        ) : membership.status === "pending" && membership.provider === "local" ? (
          <>
            <Notice kind="info">
              <strong>{t("checkout.testTitle")}</strong> {t("checkout.testText")}
            </Notice>
            {declined && <Notice>{t("checkout.declined")}</Notice>}
            <div className="row wrap">
              <button className="primary" disabled={action.busy} onClick={() => void pay("pay")}>
                {t("checkout.payTest", { amount })}
              </button>
              <button disabled={action.busy} onClick={() => void pay("decline")}>
                {t("checkout.decline")}
              </button>
            </div>
            <p className="muted small">
              {membership.interval === "year" ? t("checkout.renewsYearly") : t("checkout.renewsMonthly")}
            </p>
          </>
        ) : (
          <>
            <Notice kind="info">
              {view.label}: {view.detail}
            </Notice>
            <Link to="/account/memberships">{t("checkout.yours")}</Link>
          </>
        )}
        <Notice error={action.error} />
      </div>
    </main>
  );
}
