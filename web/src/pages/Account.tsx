import { useState, type FormEvent } from "react";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth";
import { NewPasswordField, Notice, useAction } from "../components/ui";
import { GiftsGiven } from "./account/GiftsGiven";
import { MembershipSection } from "./account/Memberships";
import { TeamsManaged } from "./account/TeamsManaged";

export function Account() {
  const { user } = useAuth();
  return (
    <main className="narrow">
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{user?.email}</strong> ({user?.roles.join(", ")})
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
      <h2>Profile</h2>
      <label>
        Name
        <input required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Short bio <small>(shown with your courses, up to 500 characters)</small>
        <textarea rows={3} maxLength={500} value={bio} onChange={(e) => setBio(e.target.value)} />
      </label>
      <Notice error={error} />
      {saved && <Notice kind="success">Profile saved.</Notice>}
      <button className="primary" disabled={busy}>
        Save profile
      </button>
    </form>
  );
}

function AccountPassword() {
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
      <h2>Change password</h2>
      <label>
        Current password
        <input
          type="password"
          required
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </label>
      <NewPasswordField label="New password" value={next} onChange={setNext} />
      <Notice error={error} />
      {done && <Notice kind="success">Password changed. Other devices were signed out.</Notice>}
      <button className="primary" disabled={busy}>
        Change password
      </button>
    </form>
  );
}
