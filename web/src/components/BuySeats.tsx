import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate } from "react-router-dom";
import { money } from "../api/client";
import { checkoutSeats } from "../api/sales";
import { useAuth } from "../auth";
import { Notice, useAction } from "./ui";

export const MAX_SEATS = 1000;

/** Seats of a course for a team: a number of seats at the course's price each, paid like
 * any order; the buyer hands them out by email from the team page. */
export function BuySeats({
  courseId,
  unitAmount,
  currency,
  submitLabel,
  initial = 2,
}: {
  courseId: string;
  unitAmount: number;
  currency: string;
  submitLabel: string;
  initial?: number;
}) {
  const { t } = useTranslation("shop");
  const { user } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [quantity, setQuantity] = useState(String(initial));
  const action = useAction();
  const count = Math.floor(Number(quantity));
  const valid = Number.isFinite(count) && count >= 1 && count <= MAX_SEATS;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!user) {
      navigate(`/signin?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    const order = await action.run(() => checkoutSeats(courseId, count));
    if (order) navigate(order.checkout_url);
  }

  return (
    <form className="form" onSubmit={submit}>
      <label>
        {t("seats.number")}
        <input
          type="number"
          min={1}
          max={MAX_SEATS}
          step={1}
          required
          value={quantity}
          onChange={(e) => setQuantity(e.target.value)}
        />
      </label>
      {valid && (
        <p className="muted" aria-live="polite">
          {count} × {money(unitAmount, currency)} = <strong>{money(unitAmount * count, currency)}</strong>
        </p>
      )}
      <button className="primary" disabled={action.busy || !valid}>
        {submitLabel}
      </button>
      <Notice error={action.error} />
    </form>
  );
}
