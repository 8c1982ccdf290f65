import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { Loading, NewPasswordField, Notice, useAction } from "../components/ui";

/** The token of a mailed link. It rides in the fragment (never sent to a server); it is
 *  read once and then removed from the address bar and the history. */
function useLinkToken(): string {
  const [token] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "");
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
  }, []);
  return token;
}

export function VerifyEmail() {
  const { t } = useTranslation("auth");
  const token = useLinkToken();
  const { reload } = useAuth();
  const { error, run } = useAction();
  const [done, setDone] = useState(false);
  const started = useRef(false);

  useEffect(() => {
    if (started.current || !token) return;
    started.current = true; // React's development double effect must not use the link twice
    void run(async () => {
      await unwrap(api.POST("/api/auth/verify-email", { body: { token } }));
      setDone(true);
      await reload();
    });
  }, [token, run, reload]);

  return (
    <main className="narrow">
      <h1>{t("verify.title")}</h1>
      {!token && <Notice error={new Error(t("noToken"))} />}
      {token && !done && !error && <Loading label={t("verify.busy")} />}
      {done && (
        <Notice kind="success">
          {t("verify.done")} <Link to="/">{t("verify.back")}</Link>
        </Notice>
      )}
      <Notice error={error} />
    </main>
  );
}

export function ForgotPassword() {
  const { t } = useTranslation("auth");
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await run(() => unwrap(api.POST("/api/auth/password-reset", { body: { email } })));
    if (answer) setSent(answer.detail);
  }

  return (
    <main className="narrow">
      <h1>{t("forgot.title")}</h1>
      {sent ? (
        <Notice kind="success">{sent}</Notice>
      ) : (
        <form onSubmit={submit} className="card form">
          <p>{t("forgot.intro")}</p>
          <label>
            {t("email")}
            <input
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </label>
          <Notice error={error} />
          <button className="primary" disabled={busy}>
            {busy ? t("forgot.busy") : t("forgot.submit")}
          </button>
        </form>
      )}
      <p>
        <Link to="/signin">{t("forgot.back")}</Link>
      </p>
    </main>
  );
}

export function ResetPassword() {
  const { t } = useTranslation("auth");
  const token = useLinkToken();
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, run, setError } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== again) {
      setError(new Error(t("reset.differ")));
      return;
    }
    const ok = await run(async () => {
      await unwrap(api.POST("/api/auth/password-reset/confirm", { body: { token, password } }));
      return true;
    });
    if (ok) setDone(true);
  }

  if (done)
    return (
      <main className="narrow">
        <h1>{t("reset.doneTitle")}</h1>
        <Notice kind="success">
          {t("reset.done")} <Link to="/signin">{t("reset.signIn")}</Link>
        </Notice>
      </main>
    );
  return (
    <main className="narrow">
      <h1>{t("reset.title")}</h1>
      {!token ? (
        <Notice error={new Error(t("noToken"))} />
      ) : (
        <form onSubmit={submit} className="card form">
          <NewPasswordField label={t("reset.password")} value={password} onChange={setPassword} />
          <NewPasswordField label={t("reset.again")} value={again} onChange={setAgain} hint={false} />
          <Notice error={error} />
          <button className="primary" disabled={busy}>
            {busy ? t("reset.busy") : t("reset.submit")}
          </button>
        </form>
      )}
      <p>
        <Link to="/forgot-password">{t("reset.newLink")}</Link>
      </p>
    </main>
  );
}

/** Shown to a signed-in account whose address is not confirmed yet. */
export function VerifyBanner() {
  const { t } = useTranslation("auth");
  const { user } = useAuth();
  const { busy, error, run } = useAction();
  const [sent, setSent] = useState<string | null>(null);
  if (!user || user.email_verified) return null;
  return (
    <div className="banner" role="region" aria-label={t("banner.label")}>
      <span>
        {t("banner.text")} <strong>{user.email}</strong>.
      </span>{" "}
      {sent ? (
        <span role="status">{sent}</span>
      ) : (
        <button
          className="link"
          disabled={busy}
          onClick={() =>
            void run(async () => setSent((await unwrap(api.POST("/api/auth/verify-email/resend"))).detail))
          }
        >
          {t("banner.resend")}
        </button>
      )}
      <Notice error={error} />
    </div>
  );
}
