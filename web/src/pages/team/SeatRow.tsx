import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { reassignSeat, releaseSeat, type Seat } from "../../api/sales";
import { Notice, useAction } from "../../components/ui";
import { seatStatus, type SeatChange } from "../../teamSeats";

/** One held seat: its address, claimed or waiting, its holder's viewing; give it to
 * another address, or release it (its holder loses the course at once). */
export function SeatRow({
  teamId,
  seat,
  now,
  onChange,
}: {
  teamId: string;
  seat: Seat;
  now: Date;
  onChange(change: SeatChange): void;
}) {
  const { t } = useTranslation("team");
  const [moving, setMoving] = useState(false);
  const [email, setEmail] = useState("");
  const action = useAction();
  const status = seatStatus(seat, now);

  async function reassign(event: FormEvent) {
    event.preventDefault();
    const moved = await action.run(() => reassignSeat(teamId, seat.id, email.trim()));
    if (moved) {
      setMoving(false);
      setEmail("");
      onChange({ type: "reassigned", seatId: seat.id, seat: moved });
    }
  }

  async function release() {
    const question = seat.claimed_by
      ? t("release.confirmClaimed", { email: seat.email })
      : t("release.confirmInvited", { email: seat.email });
    if (!window.confirm(question)) return;
    const done = await action.run(async () => {
      await releaseSeat(teamId, seat.id);
      return true;
    });
    if (done) onChange({ type: "released", seatId: seat.id });
  }

  return (
    <tr data-testid="seat-row" data-email={seat.email} data-state={seat.state}>
      <th scope="row">
        {seat.email}
        {seat.claimed_by && seat.claimed_by.name && <div className="muted small">{seat.claimed_by.name}</div>}
      </th>
      <td>
        <span className={`badge ${seat.state === "claimed" ? "state-active" : ""}`}>{status.state}</span>
      </td>
      <td>
        {seat.watching ? <strong className="watching">{status.activity}</strong> : <span>{status.activity}</span>}
      </td>
      <td>
        {moving ? (
          <form className="row wrap" onSubmit={reassign}>
            <label>
              {t("reassign.email")}
              <input
                type="email"
                required
                autoFocus
                autoComplete="off"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </label>
            <button className="primary" disabled={action.busy}>
              {t("reassign.submit")}
            </button>
            <button type="button" onClick={() => setMoving(false)}>
              {t("reassign.cancel")}
            </button>
          </form>
        ) : (
          <div className="row wrap">
            <button
              type="button"
              onClick={() => setMoving(true)}
              aria-label={t("reassign.label", { email: seat.email })}
            >
              {t("reassign.button")}
            </button>
            <button
              type="button"
              disabled={action.busy}
              onClick={() => void release()}
              aria-label={t("release.label", { email: seat.email })}
            >
              {t("release.button")}
            </button>
          </div>
        )}
        <Notice error={action.error} />
      </td>
    </tr>
  );
}
