import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { NewPasswordField, Notice, useAction } from "../components/ui";
import { GiftsGiven } from "./account/GiftsGiven";
import { MembershipSection } from "./account/Memberships";
import { TeamsManaged } from "./account/TeamsManaged";

export function Account() {
  const { t } = useTranslation("account");
  const { user } = useAuth();
  const roleNames: Record<string, () => string> = {
    student: () => t("roles.student"),
    instructor: () => t("roles.instructor"),
    admin: () => t("roles.admin"),
  };
  return (
    <main className="narrow">
      <h1>{t("title")}</h1>
      <p>
        {t("signedInAs")} <strong>{user?.email}</strong> ({user?.roles.map((r) => roleNames[r]?.() ?? r).join(", ")})
      </p>
      <MembershipSection />
      <AccountPassword />
      {user && <Profile name={user.name} bio={user.bio ?? ""} />}
      <GiftsGiven />
      <TeamsManaged />
    </main>
  );
}

/** The name and short bio shown with one's courses. */
function Profile({ name: savedName, bio: savedBio }: { name: string; bio: string }) {
  const { t } = useTranslation("account");
  const { reload } = useAuth();
  const [name, setName] = useState(savedName);
  const [bio, setBio] = useState(savedBio);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const ok = await run(async () => {
      await unwrap(api.PATCH("/api/auth/me", { body: { name, bio } }));
      await reload();
      return true;
    });
    if (ok) setSaved(true);
  }

  return (
    <form className="card form" onSubmit={submit}>
      <h2>{t("profile.title")}</h2>
      <label>
        {t("profile.name")}
        <input required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        {t("profile.bio")} <small>{t("profile.bioHint")}</small>
        <textarea rows={3} maxLength={500} value={bio} onChange={(e) => setBio(e.target.value)} />
      </label>
      <Notice error={error} />
      {saved && <Notice kind="success">{t("profile.saved")}</Notice>}
      <button className="primary" disabled={busy}>
        {t("profile.save")}
      </button>
    </form>
  );
}

function AccountPassword() {
  const { t } = useTranslation("account");
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const ok = await run(async () => {
      await unwrap(api.PATCH("/api/auth/me/password", { body: { current_password: current, new_password: next } }));
      return true;
    });
    if (ok) {
      setDone(true);
      setCurrent("");
      setNext("");
    }
  }

  return (
    <form onSubmit={submit} className="card form">
      <h2>{t("password.title")}</h2>
      <label>
        {t("password.current")}
        <input
          type="password"
          required
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <NewPasswordField label={t("password.new")} value={next} onChange={setNext} />
      <Notice error={error} />
      {done && <Notice kind="success">{t("password.done")}</Notice>}
      <button className="primary" disabled={busy}>
        {t("password.submit")}
      </button>
    </form>
  );
}
