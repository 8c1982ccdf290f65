import { useEffect, useRef, useState, type FormEvent } from "react";
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
      <h1>Confirm your email address</h1>
      {!token && <Notice error={new Error("This link has no token. Open the link from the email again.")} />}
      {token && !done && !error && <Loading label="Confirming…" />}
      {done && (
        <Notice kind="success">
          Thank you, your address is confirmed. <Link to="/">Back to the catalog</Link>
        </Notice>
      )}
      <Notice error={error} />
    </main>
  );
}

export function ForgotPassword() {
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
      <h1>Forgot your password?</h1>
      {sent ? (
        <Notice kind="success">{sent}</Notice>
      ) : (
        <form onSubmit={submit} className="card form">
          <p>Enter the address of your account; we will email you a link to choose a new password.</p>
          <label>
            Email
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
            {busy ? "Sending…" : "Email me a link"}
          </button>
        </form>
      )}
      <p>
        <Link to="/signin">Back to sign in</Link>
      </p>
    </main>
  );
}

export function ResetPassword() {
  const token = useLinkToken();
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, run, setError } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== again) {
      setError(new Error("The two passwords differ."));
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
        <h1>Password changed</h1>
        <Notice kind="success">
          Your new password is set and every device was signed out. <Link to="/signin">Sign in</Link>
        </Notice>
      </main>
    );
  return (
    <main className="narrow">
      <h1>Choose a new password</h1>
      {!token ? (
        <Notice error={new Error("This link has no token. Open the link from the email again.")} />
      ) : (
        <form onSubmit={submit} className="card form">
          <NewPasswordField label="New password" value={password} onChange={setPassword} />
          <NewPasswordField label="New password again" value={again} onChange={setAgain} hint={false} />
          <Notice error={error} />
          <button className="primary" disabled={busy}>
            {busy ? "Saving…" : "Set my new password"}
          </button>
        </form>
      )}
      <p>
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </main>
  );
}

/** Shown to a signed-in account whose address is not confirmed yet. */
export function VerifyBanner() {
  const { user } = useAuth();
  const { busy, error, run } = useAction();
  const [sent, setSent] = useState<string | null>(null);
  if (!user || user.email_verified) return null;
  return (
    <div className="banner" role="region" aria-label="Email confirmation">
      <span>
        Please confirm your email address: we sent a link to <strong>{user.email}</strong>.
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
          Send the link again
        </button>
      )}
      <Notice error={error} />
    </div>
  );
}
