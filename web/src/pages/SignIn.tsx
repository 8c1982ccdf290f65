import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useAuth } from "../auth";
import { Notice, useAction } from "../components/ui";
import { safeNext } from "../linkToken";

export function SignIn() {
  const { t } = useTranslation("auth");
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await run(async () => {
      await signIn(email, password);
      return true;
    });
    if (ok) navigate(safeNext(params.get("next")));
  }

  return (
    <main className="narrow">
      <h1>{t("signIn.title")}</h1>
      <form onSubmit={submit} className="card form">
        <label>
          {t("email")}
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          {t("password")}
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <Notice error={error} />
        <button className="primary" disabled={busy}>
          {busy ? t("signIn.busy") : t("signIn.submit")}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t("signIn.forgot")}</Link>
      </p>
      <p>
        {t("signIn.newHere")}{" "}
        <Link to={params.get("next") ? `/signup?next=${encodeURIComponent(safeNext(params.get("next")))}` : "/signup"}>
          {t("signIn.createAccount")}
        </Link>
      </p>
    </main>
  );
}
