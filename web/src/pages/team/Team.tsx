import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { assignSeat, getTeam } from "../../api/sales";
import { BuySeats } from "../../components/BuySeats";
import { Loading, Notice, useAction, useLoad } from "../../components/ui";
import { applySeatChange, seatCounts, type SeatChange } from "../../teamSeats";
import { SeatRow } from "./SeatRow";

const REFRESH_MS = 15_000; // who is watching now

/** The seat manager's team: seats bought and held, each seat's holder and viewing, handing
 * seats out by email, moving and releasing them, buying more. */
export function Team() {
  const { t } = useTranslation("team");
  const { teamId = "" } = useParams();
  const team = useLoad(() => getTeam(teamId), [teamId]);
  const courseId = team.data?.course_id;
  const course = useLoad(
    async () => (courseId ? unwrap(api.GET("/api/courses/{ref}", { params: { path: { ref: courseId } } })) : null),
    [courseId],
  );
  const [now, setNow] = useState(() => new Date());
  const { reload, setData } = team;
  useEffect(() => {
    const timer = setInterval(() => {
      void reload();
      setNow(new Date());
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const held = team.data;
  if (!held) return <main>{team.error ? <Notice error={team.error} /> : <Loading />}</main>;
  const counts = seatCounts(held);
  const change = (c: SeatChange) => setData((current) => (current ? applySeatChange(current, c) : current));

  return (
    <main>
      <p className="crumbs">
        <Link to="/my/teams">{t("crumb")}</Link> / {held.course_title}
      </p>
      <h1>{t("title", { title: held.course_title })}</h1>
      <p className="meta" data-testid="seat-counts">
        <span>
          <strong>{counts.bought}</strong> {t("counts.bought", { count: counts.bought })}
        </span>
        <span>
          <strong>{counts.used}</strong> {t("counts.assigned", { count: counts.used })}
        </span>
        <span>
          <strong>{counts.free}</strong> {t("counts.free", { count: counts.free })}
        </span>
        <Link to={`/courses/${held.course_id}`}>{t("coursePage")}</Link>
      </p>
      <Notice error={team.error} />
      <AssignSeat teamId={held.id} free={counts.free} onAssigned={change} />
      <section className="card" aria-labelledby="seats-title">
        <h2 id="seats-title">{t("seats.title")}</h2>
        {held.members.length === 0 ? (
          <p className="empty">{t("seats.empty")}</p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("seats.address")}</th>
                  <th scope="col">{t("seats.seat")}</th>
                  <th scope="col">{t("seats.viewing")}</th>
                  <th scope="col">{t("seats.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {held.members.map((seat) => (
                  <SeatRow key={seat.id} teamId={held.id} seat={seat} now={now} onChange={change} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card narrow-card" aria-labelledby="more-seats">
        <h2 id="more-seats">{t("more")}</h2>
        {course.data ? (
          <BuySeats
            courseId={held.course_id}
            unitAmount={course.data.price.amount}
            currency={course.data.price.currency}
            submitLabel={t("more")}
            initial={1}
          />
        ) : (
          <Notice error={course.error} />
        )}
      </section>
    </main>
  );
}

function AssignSeat({ teamId, free, onAssigned }: { teamId: string; free: number; onAssigned(c: SeatChange): void }) {
  const { t } = useTranslation("team");
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState("");
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSent("");
    const seat = await action.run(() => assignSeat(teamId, email.trim()));
    if (seat) {
      onAssigned({ type: "assigned", seat });
      setSent(t("assign.sent", { email: seat.email }));
      setEmail("");
    }
  }

  return (
    <section className="card" aria-labelledby="assign-title">
      <h2 id="assign-title">{t("assign.title")}</h2>
      <form className="inline-form" onSubmit={submit}>
        <label>
          {t("assign.email")}
          <input type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <button className="primary" disabled={action.busy || free === 0}>
          {t("assign.submit")}
        </button>
      </form>
      {free === 0 && <p className="muted">{t("assign.full")}</p>}
      <Notice error={action.error} />
      {sent && <Notice kind="success">{sent}</Notice>}
    </section>
  );
}
