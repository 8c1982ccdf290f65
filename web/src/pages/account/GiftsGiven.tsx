import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { myGifts, refundGift, type Gift } from "../../api/sales";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";
import { formatDate } from "../../i18n/format";

const DAY: Intl.DateTimeFormatOptions = { dateStyle: "medium" };

/** The gifts the account bought: to whom, their state, who claimed them; an unclaimed
 * one can be refunded. */
export function GiftsGiven({ headingLevel = 2 }: { headingLevel?: 1 | 2 }) {
  const { t } = useTranslation("account");
  const stateText: Record<Gift["state"], () => string> = {
    waiting: () => t("gifts.state.waiting"),
    claimed: () => t("gifts.state.claimed"),
    refunded: () => t("gifts.state.refunded"),
    disputed: () => t("gifts.state.disputed"),
  };
  const gifts = useLoad(myGifts, []);
  const action = useAction();
  const Heading = headingLevel === 1 ? "h1" : "h2";

  async function refund(gift: Gift) {
    if (!window.confirm(t("gifts.confirmRefund", { course: gift.course_title, email: gift.recipient_email }))) return;
    const updated = await action.run(() => refundGift(gift.id));
    if (updated) gifts.setData((all) => all?.map((g) => (g.id === updated.id ? updated : g)) ?? all);
  }

  return (
    <section className="card" aria-labelledby="gifts-title">
      <Heading id="gifts-title">{t("gifts.title")}</Heading>
      <Notice error={action.error ?? gifts.error} />
      {!gifts.data ? (
        !gifts.error && <Loading />
      ) : gifts.data.length === 0 ? (
        <p className="muted">{t("gifts.empty")}</p>
      ) : (
        <ul className="plain">
          {gifts.data.map((g) => (
            <li key={g.id} data-testid="gift-row" data-state={g.state}>
              <Link to={`/courses/${g.course_id}`}>{g.course_title}</Link> {t("gifts.to")}{" "}
              <strong>{g.recipient_email}</strong>{" "}
              <span className={`badge state-${g.state === "claimed" ? "active" : g.state}`}>
                {stateText[g.state]()}
              </span>
              <div className="muted small">
                {t("gifts.bought", { date: formatDate(g.created_at, DAY) })}
                {g.claimed_by && (
                  <>
                    {" · "}
                    {g.claimed_at
                      ? t("gifts.claimedOn", {
                          name: g.claimed_by.name,
                          email: g.claimed_by.email,
                          date: formatDate(g.claimed_at, DAY),
                        })
                      : t("gifts.claimedBy", { name: g.claimed_by.name, email: g.claimed_by.email })}
                  </>
                )}
              </div>
              {g.state === "waiting" && (
                <button
                  type="button"
                  className="small-button"
                  disabled={action.busy}
                  onClick={() => void refund(g)}
                  aria-label={t("gifts.refundLabel", { email: g.recipient_email })}
                >
                  {t("gifts.refund")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
