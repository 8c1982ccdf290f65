import { useEffect, useState, type FormEvent } from "react";
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

  const t = team.data;
  if (!t) return <main>{team.error ? <Notice error={team.error} /> : <Loading />}</main>;
  const counts = seatCounts(t);
  const change = (c: SeatChange) => setData((current) => (current ? applySeatChange(current, c) : current));

  return (
    <main>
      <p className="crumbs">
        <Link to="/my/teams">Your teams</Link> / {t.course_title}
      </p>
      <h1>Team seats: {t.course_title}</h1>
      <p className="meta" data-testid="seat-counts">
        <span>
          <strong>{counts.bought}</strong> seats bought
        </span>
        <span>
          <strong>{counts.used}</strong> assigned
        </span>
        <span>
          <strong>{counts.free}</strong> free
        </span>
        <Link to={`/courses/${t.course_id}`}>Course page</Link>
      </p>
      <Notice error={team.error} />
      <AssignSeat teamId={t.id} free={counts.free} onAssigned={change} />
      <section className="card" aria-labelledby="seats-title">
        <h2 id="seats-title">Seats</h2>
        {t.members.length === 0 ? (
          <p className="empty">No seat is assigned yet.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Seat</th>
                  <th scope="col">Viewing</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {t.members.map((seat) => (
                  <SeatRow key={seat.id} teamId={t.id} seat={seat} now={now} onChange={change} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card narrow-card" aria-labelledby="more-seats">
        <h2 id="more-seats">Buy more seats</h2>
        {course.data ? (
          <BuySeats
            courseId={t.course_id}
            unitAmount={course.data.price.amount}
            currency={course.data.price.currency}
            submitLabel="Buy more seats"
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
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState("");
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSent("");
    const seat = await action.run(() => assignSeat(teamId, email.trim()));
    if (seat) {
      onAssigned({ type: "assigned", seat });
      setSent(`Invitation sent to ${seat.email}.`);
      setEmail("");
    }
  }

  return (
    <section className="card" aria-labelledby="assign-title">
      <h2 id="assign-title">Assign a seat</h2>
      <form className="inline-form" onSubmit={submit}>
        <label>
          Colleague’s email
          <input type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <button className="primary" disabled={action.busy || free === 0}>
          Assign a seat
        </button>
      </form>
      {free === 0 && <p className="muted">Every seat is taken: release one or buy more below.</p>}
      <Notice error={action.error} />
      {sent && <Notice kind="success">{sent}</Notice>}
    </section>
  );
}
