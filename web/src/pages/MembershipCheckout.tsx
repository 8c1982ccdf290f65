import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { money } from "../api/client";
import { getMembership, simulate } from "../api/memberships";
import { Loading, Notice, useAction, useLoad } from "../components/ui";
import { describeMembership, priceText } from "../memberships";

/** The local test checkout of a membership waiting for its first payment (development
 * only: with Stripe the card is taken on the pricing page). No money moves: the buttons
 * choose what the test subscription's first invoice does. */
export function MembershipCheckout() {
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
      <h1>Checkout</h1>
      <div className="card">
        <h2>Membership: {membership.plan_title}</h2>
        <p className="price">{priceText(membership.amount, membership.currency, membership.interval)}</p>
        {membership.status === "active" ? (
          <>
            <Notice kind="success">Payment received. You are a member: every course of the plan is open.</Notice>
            <div className="row wrap">
              <Link className="button primary" to="/my">
                Go to My learning
              </Link>
              <Link className="button" to="/account/memberships">
                Manage your membership
              </Link>
            </div>
          </>
        ) : membership.status === "pending" && membership.provider === "local" ? (
          <>
            <Notice kind="info">
              <strong>Test payment.</strong> Stripe is not configured on this site, so no money moves: choose the
              outcome of the first payment.
            </Notice>
            {declined && <Notice>The test card was declined. Try again.</Notice>}
            <div className="row wrap">
              <button className="primary" disabled={action.busy} onClick={() => void pay("pay")}>
                Pay {amount} (test)
              </button>
              <button disabled={action.busy} onClick={() => void pay("decline")}>
                Simulate a declined card
              </button>
            </div>
            <p className="muted small">
              Then it renews every {membership.interval} until you cancel it on your account page.
            </p>
          </>
        ) : (
          <>
            <Notice kind="info">
              {view.label}: {view.detail}
            </Notice>
            <Link to="/account/memberships">Your memberships</Link>
          </>
        )}
        <Notice error={action.error} />
      </div>
    </main>
  );
}
