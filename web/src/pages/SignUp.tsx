import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { NewPasswordField, Notice, useAction } from "../components/ui";
import { shownLanguage } from "../i18n";
import { safeNext } from "../linkToken";

export function SignUp() {
  const { t } = useTranslation("auth");
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
      // The account keeps the language shown: its first mail is already in it.
      const body = { name, email, password, role, language: shownLanguage() };
      const accepted = await unwrap(api.POST("/api/auth/register", { body }));
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
        <h1>{t("signUp.checkInbox")}</h1>
        <Notice kind="info">{answer}</Notice>
        <p>
          {t("signUp.haveAccount")} <Link to="/signin">{t("signUp.signIn")}</Link> {t("signUp.or")}{" "}
          <Link to="/forgot-password">{t("signUp.resetPassword")}</Link>.
        </p>
      </main>
    );

  return (
    <main className="narrow">
      <h1>{t("signUp.title")}</h1>
      <form onSubmit={submit} className="card form">
        <label>
          {t("name")}
          <input required autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t("email")}
          <input type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <NewPasswordField label={t("password")} value={password} onChange={setPassword} />
        <fieldset className="choices">
          <legend>{t("signUp.iWantTo")}</legend>
          <label className="inline">
            <input type="radio" name="role" checked={role === "student"} onChange={() => setRole("student")} />{" "}
            {t("signUp.learn")}
          </label>
          <label className="inline">
            <input type="radio" name="role" checked={role === "instructor"} onChange={() => setRole("instructor")} />{" "}
            {t("signUp.teach")}
          </label>
        </fieldset>
        <Notice error={error} />
        <button className="primary" disabled={busy}>
          {busy ? t("signUp.busy") : t("signUp.submit")}
        </button>
      </form>
      <p>
        {t("signUp.haveAccount")}{" "}
        <Link to={next ? `/signin?next=${encodeURIComponent(safeNext(next))}` : "/signin"}>{t("signUp.signIn")}</Link>
      </p>
    </main>
  );
}
