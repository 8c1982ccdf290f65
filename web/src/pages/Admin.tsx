import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, money, unwrap, type Schemas } from "../api/client";
import { useAuth } from "../auth";
import { MoneyReport } from "../components/MoneyReport";
import { Loading, Notice, useAction, useLoad } from "../components/ui";
import { formatDate, formatDateTime, formatNumber } from "../i18n/format";

const ROLES = ["student", "instructor", "admin"] as const;

export function Admin() {
  const { t } = useTranslation("admin");
  const { user: me } = useAuth();
  const roleNames: Record<(typeof ROLES)[number], string> = {
    student: t("roles.student"),
    instructor: t("roles.instructor"),
    admin: t("roles.admin"),
  };
  const kindNames: Record<Schemas["OrderKind"], string> = {
    course: t("kinds.course"),
    bundle: t("kinds.bundle"),
    gift: t("kinds.gift"),
    seats: t("kinds.seats"),
  };
  const stateNames: Record<Schemas["OrderState"], string> = {
    pending: t("states.pending"),
    paid: t("states.paid"),
    failed: t("states.failed"),
    refunded: t("states.refunded"),
    disputed: t("states.disputed"),
  };
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
    if (!window.confirm(t("orders.refundConfirm"))) return;
    await action.run(() =>
      unwrap(api.POST("/api/admin/orders/{order_id}/refund", { params: { path: { order_id: orderId } } })),
    );
    await orders.reload();
  }

  return (
    <main>
      <h1>{t("title")}</h1>
      <Notice error={action.error ?? users.error ?? orders.error} />
      <MoneyReport heading={t("revenueHeading")} />
      <TraceCopy />
      <section className="card">
        <h2>{t("users.title")}</h2>
        {!users.data ? (
          <Loading />
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t("users.name")}</th>
                <th>{t("users.email")}</th>
                <th>{t("users.role")}</th>
                <th>{t("users.joined")}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td>{u.email}</td>
                  <td>
                    <label className="sr-only" htmlFor={`role-${u.id}`}>
                      {t("users.roleOf", { email: u.email })}
                    </label>
                    <select
                      id={`role-${u.id}`}
                      value={u.roles[0]}
                      disabled={u.id === me?.id || action.busy}
                      onChange={(e) => setRole(u.id, e.target.value as (typeof ROLES)[number])}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {roleNames[r]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{formatDate(u.created_at, { year: "numeric", month: "numeric", day: "numeric" })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2>{t("orders.title")}</h2>
        {!orders.data ? (
          <Loading />
        ) : orders.data.items.length === 0 ? (
          <p className="empty">{t("orders.empty")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t("orders.date")}</th>
                <th>{t("orders.course")}</th>
                <th>{t("orders.amount")}</th>
                <th>{t("orders.provider")}</th>
                <th>{t("orders.state")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {orders.data.items.map((o) => (
                <tr key={o.id}>
                  <td>{formatDateTime(o.created_at)}</td>
                  <td>
                    {o.course_title}
                    {o.kind !== "course" && <span className="badge">{kindNames[o.kind]}</span>}
                  </td>
                  <td>{money(o.amount, o.currency)}</td>
                  <td>{o.provider}</td>
                  <td>
                    <span className={`badge state-${o.state}`}>{stateNames[o.state]}</span>
                  </td>
                  <td>
                    {o.state === "paid" && (
                      <button onClick={() => refund(o.id)} disabled={action.busy}>
                        {t("orders.refund")}
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
  const { t } = useTranslation("admin");
  const sessions = result.unmarked_sessions;
  const when = formatDateTime;
  return (
    <div data-testid="trace-unmarked">
      <Notice kind="info">{t("trace.unmarked", { reason: result.reason })}</Notice>
      {sessions.length === 0 || !result.window_start || !result.window_end ? (
        <p>{t("trace.noUnmarkedSessions")}</p>
      ) : (
        <>
          <p>
            {t("trace.unmarkedSessions", {
              count: sessions.length,
              from: when(result.window_start),
              to: when(result.window_end),
            })}
          </p>
          <table>
            <thead>
              <tr>
                <th>{t("trace.account")}</th>
                <th>{t("trace.device")}</th>
                <th>{t("trace.ip")}</th>
                <th>{t("trace.started")}</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.session_id}>
                  <td>{s.account ?? t("trace.deleted")}</td>
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
  const { t } = useTranslation("admin");
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
      <h2>{t("trace.title")}</h2>
      <form className="row wrap" onSubmit={submit}>
        <label>
          {t("trace.videoId")}
          <input required value={videoId} onChange={(e) => setVideoId(e.target.value)} maxLength={24} />
        </label>
        <label>
          {t("trace.suspectedCopy")}
          <input type="file" accept="video/*" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <button className="primary" disabled={action.busy || !file}>
          {action.busy ? t("trace.tracing") : t("trace.trace")}
        </button>
      </form>
      <Notice error={action.error} />
      {result &&
        (result.session ? (
          <div data-testid="trace-result">
            <Notice kind="success">
              {t("trace.markFound", {
                account: result.session.account ?? t("trace.deleted"),
                number: result.session.number,
              })}
            </Notice>
            <ul>
              {result.sessions.map((s) => (
                <li key={s.session_id}>
                  {t("trace.session", {
                    id: s.session_id,
                    device: s.device,
                    ip: s.ip,
                    when: formatDateTime(s.started_at),
                  })}
                </li>
              ))}
              <li>
                {t("trace.agreement", {
                  agreeing: result.agreeing,
                  confident: result.confident,
                  chance:
                    result.chance == null
                      ? ""
                      : formatNumber(result.chance, { notation: "scientific", maximumFractionDigits: 0 }),
                })}
              </li>
            </ul>
          </div>
        ) : result.unmarked ? (
          <UnmarkedCopy result={result} />
        ) : (
          <Notice>{t("trace.noMark", { reason: result.reason })}</Notice>
        ))}
    </section>
  );
}
