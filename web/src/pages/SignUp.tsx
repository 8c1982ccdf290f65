import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { Notice, useAction } from "../components/ui";

export function SignUp() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<"student" | "instructor">("student");
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await run(async () => {
      await unwrap(api.POST("/api/auth/register", { body: { name, email, password, role } }));
      await signIn(email, password);
      return true;
    });
    if (ok) navigate(role === "instructor" ? "/studio" : "/");
  }

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
        <label>
          Password <small>(at least 10 characters)</small>
          <input
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
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
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </main>
  );
}
