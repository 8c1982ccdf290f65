import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { NewPasswordField, Notice, useAction } from "../components/ui";
import { safeNext } from "../linkToken";

export function SignUp() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get("next");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<"student" | "instructor">("student");
  const { busy, error, run } = useAction();
  const [answer, setAnswer] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await run(async () => {
      const accepted = await unwrap(api.POST("/api/auth/register", { body: { name, email, password, role } }));
      try {
        await signIn(email, password);
      } catch {
        // The server answers sign-ups alike whether the address is new or taken; a taken
        // one does not sign in with this password, and its owner got an email.
        setAnswer(accepted.detail);
        return false;
      }
      return true;
    });
    if (ok) navigate(next ? safeNext(next) : role === "instructor" ? "/studio" : "/");
  }

  if (answer)
    return (
      <main className="narrow">
        <h1>Check your inbox</h1>
        <Notice kind="info">{answer}</Notice>
        <p>
          Already have an account? <Link to="/signin">Sign in</Link> or{" "}
          <Link to="/forgot-password">reset your password</Link>.
        </p>
      </main>
    );

  return (
    <main className="narrow">
      <h1>Create your account</h1>
      <form onSubmit={submit} className="card form">
        <label>
          Name
          <input required autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Email
          <input type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <NewPasswordField label="Password" value={password} onChange={setPassword} />
        <fieldset className="choices">
          <legend>I want to</legend>
          <label className="inline">
            <input type="radio" name="role" checked={role === "student"} onChange={() => setRole("student")} /> learn
          </label>
          <label className="inline">
            <input type="radio" name="role" checked={role === "instructor"} onChange={() => setRole("instructor")} />{" "}
            teach
          </label>
        </fieldset>
        <Notice error={error} />
        <button className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <p>
        Already have an account?{" "}
        <Link to={next ? `/signin?next=${encodeURIComponent(safeNext(next))}` : "/signin"}>Sign in</Link>
      </p>
    </main>
  );
}
