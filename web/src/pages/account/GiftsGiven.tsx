import { Link } from "react-router-dom";
import { myGifts, refundGift, type Gift } from "../../api/sales";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";

const STATE_TEXT: Record<Gift["state"], string> = {
  waiting: "waiting to be claimed",
  claimed: "claimed",
  refunded: "refunded",
  disputed: "payment disputed",
};

/** The gifts the account bought: to whom, their state, who claimed them; an unclaimed
 * one can be refunded. */
export function GiftsGiven({ headingLevel = 2 }: { headingLevel?: 1 | 2 }) {
  const gifts = useLoad(myGifts, []);
  const action = useAction();
  const Heading = headingLevel === 1 ? "h1" : "h2";

  async function refund(gift: Gift) {
    if (
      !window.confirm(`Refund the gift of “${gift.course_title}” to ${gift.recipient_email}? Its link stops working.`)
    )
      return;
    const updated = await action.run(() => refundGift(gift.id));
    if (updated) gifts.setData((all) => all?.map((g) => (g.id === updated.id ? updated : g)) ?? all);
  }

  return (
    <section className="card" aria-labelledby="gifts-title">
      <Heading id="gifts-title">Gifts you gave</Heading>
      <Notice error={action.error ?? gifts.error} />
      {!gifts.data ? (
        !gifts.error && <Loading />
      ) : gifts.data.length === 0 ? (
        <p className="muted">You have not given a course yet. A course’s page offers “Give as a gift”.</p>
      ) : (
        <ul className="plain">
          {gifts.data.map((g) => (
            <li key={g.id} data-testid="gift-row" data-state={g.state}>
              <Link to={`/courses/${g.course_id}`}>{g.course_title}</Link> to <strong>{g.recipient_email}</strong>{" "}
              <span className={`badge state-${g.state === "claimed" ? "active" : g.state}`}>{STATE_TEXT[g.state]}</span>
              <div className="muted small">
                Bought {new Date(g.created_at).toLocaleDateString()}
                {g.claimed_by &&
                  ` · claimed by ${g.claimed_by.name} <${g.claimed_by.email}>` +
                    (g.claimed_at ? ` on ${new Date(g.claimed_at).toLocaleDateString()}` : "")}
              </div>
              {g.state === "waiting" && (
                <button
                  type="button"
                  className="small-button"
                  disabled={action.busy}
                  onClick={() => void refund(g)}
                  aria-label={`Refund the gift to ${g.recipient_email}`}
                >
                  Refund
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
