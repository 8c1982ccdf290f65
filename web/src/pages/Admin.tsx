import { useState, type FormEvent } from "react";
import { api, money, unwrap, type Schemas } from "../api/client";
import { useAuth } from "../auth";
import { MoneyReport } from "../components/MoneyReport";
import { Loading, Notice, useAction, useLoad } from "../components/ui";

const ROLES = ["student", "instructor", "admin"] as const;

export function Admin() {
  const { user: me } = useAuth();
  const users = useLoad(() => unwrap(api.GET("/api/admin/users", { params: { query: { per_page: 100 } } })), []);
  const orders = useLoad(() => unwrap(api.GET("/api/admin/orders", { params: { query: { per_page: 100 } } })), []);
  const action = useAction();

  async function setRole(userId: string, role: (typeof ROLES)[number]) {
    await action.run(() =>
      unwrap(api.PUT("/api/admin/users/{user_id}/role", { params: { path: { user_id: userId } }, body: { role } })),
    );
    await users.reload();
  }

  async function refund(orderId: string) {
    if (!window.confirm("Refund this order? The student loses access at once.")) return;
    await action.run(() =>
      unwrap(api.POST("/api/admin/orders/{order_id}/refund", { params: { path: { order_id: orderId } } })),
    );
    await orders.reload();
  }

  return (
    <main>
      <h1>Admin</h1>
      <Notice error={action.error ?? users.error ?? orders.error} />
      <MoneyReport heading="Revenue, site-wide" />
      <TraceCopy />
      <section className="card">
        <h2>Users</h2>
        {!users.data ? (
          <Loading />
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Role</th>
                <th>Joined</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.email}</td>
                  <td>
                    <label className="sr-only" htmlFor={`role-${u.id}`}>
                      Role of {u.email}
                    </label>
                    <select
                      id={`role-${u.id}`}
                      value={u.roles[0]}
                      disabled={u.id === me?.id || action.busy}
                      onChange={(e) => setRole(u.id, e.target.value as (typeof ROLES)[number])}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{new Date(u.created_at).toLocaleDateString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2>Orders</h2>
        {!orders.data ? (
          <Loading />
        ) : orders.data.items.length === 0 ? (
          <p className="empty">No orders yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th>Course</th>
                <th>Amount</th>
                <th>Provider</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {orders.data.items.map((o) => (
                <tr key={o.id}>
                  <td>{new Date(o.created_at).toLocaleString()}</td>
                  <td>
                    {o.course_title}
                    {o.kind !== "course" && <span className="badge">{o.kind}</span>}
                  </td>
                  <td>{money(o.amount, o.currency)}</td>
                  <td>{o.provider}</td>
                  <td>
                    <span className={`badge state-${o.state}`}>{o.state}</span>
                  </td>
                  <td>
                    {o.state === "paid" && (
                      <button onClick={() => refund(o.id)} disabled={action.busy}>
                        Refund
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}

type Trace = Schemas["TraceRead"];

/** A copy of an unmarked stream names nobody: it lists the sessions of the video that were
 * served unmarked, and when (docs/security.md, F7, F8). */
function UnmarkedCopy({ result }: { result: Trace }) {
  const sessions = result.unmarked_sessions;
  const when = (at: string) => new Date(at).toLocaleString();
  return (
    <div data-testid="trace-unmarked">
      <Notice kind="info">This copy comes from an unmarked stream ({result.reason}): it names no account.</Notice>
      {sessions.length === 0 || !result.window_start || !result.window_end ? (
        <p>No session of this video is on record as served unmarked.</p>
      ) : (
        <>
          <p>
            {sessions.length} {sessions.length === 1 ? "session" : "sessions"} of this video were served unmarked
            between {when(result.window_start)} and {when(result.window_end)}:
          </p>
          <table>
            <thead>
              <tr>
                <th>Account</th>
                <th>Device</th>
                <th>IP</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.session_id}>
                  <td>{s.account ?? "(deleted)"}</td>
                  <td>{s.device}</td>
                  <td>{s.ip}</td>
                  <td>{when(s.started_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

/** Upload a suspected copy of a watermarked video: the server names the account it came
 * from and lists that account's sessions of the video, says that the copy comes from an
 * unmarked stream, or that it finds no mark (docs/security.md, F3, F6, F8). */
function TraceCopy() {
  const [videoId, setVideoId] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<Trace | null>(null);
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setResult(null);
    const traced = await action.run(() =>
      unwrap(
        api.POST("/api/admin/trace/{video_id}", {
          params: { path: { video_id: videoId.trim() } },
          body: file as never,
          bodySerializer: () => file,
          headers: { "Content-Type": "application/octet-stream" },
        }),
      ),
    );
    if (traced) setResult(traced);
  }

  return (
    <section className="card">
      <h2>Trace a leaked copy</h2>
      <form className="row wrap" onSubmit={submit}>
        <label>
          Video id
          <input required value={videoId} onChange={(e) => setVideoId(e.target.value)} maxLength={24} />
        </label>
        <label>
          Suspected copy
          <input type="file" accept="video/*" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <button className="primary" disabled={action.busy || !file}>
          {action.busy ? "Tracing…" : "Trace"}
        </button>
      </form>
      <Notice error={action.error} />
      {result &&
        (result.session ? (
          <div data-testid="trace-result">
            <Notice kind="success">
              Mark found: account {result.session.account ?? "(deleted)"}, playback number {result.session.number}
            </Notice>
            <ul>
              {result.sessions.map((s) => (
                <li key={s.session_id}>
                  Session {s.session_id}: {s.device}, IP {s.ip}, started {new Date(s.started_at).toLocaleString()}
                </li>
              ))}
              <li>
                {result.agreeing} of {result.confident} segments follow its mark; chance of an accident below{" "}
                {result.chance?.toExponential(0)}
              </li>
            </ul>
          </div>
        ) : result.unmarked ? (
          <UnmarkedCopy result={result} />
        ) : (
          <Notice>No mark found: {result.reason}.</Notice>
        ))}
    </section>
  );
}
