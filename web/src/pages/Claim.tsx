import { useState } from "react";
import { Link } from "react-router-dom";
import { claimGift, claimSeat } from "../api/sales";
import { useAuth } from "../auth";
import { claimProblem, type ClaimProblem } from "../claims";
import { Loading, Notice, useAction } from "../components/ui";
import { useClaimToken } from "../linkToken";

interface Claimed {
  course_id: string;
  course_title: string;
}

interface ClaimKind {
  path: string; // this page, where sign-in and sign-up come back to
  storageKey: string;
  title: string;
  intro: string;
  signedOut: string;
  button: string;
  claim(token: string): Promise<Claimed>;
}

const GIFT: ClaimKind = {
  path: "/gifts/claim",
  storageKey: "coursevault.gift-claim",
  title: "Claim your gift",
  intro: "Someone gave you a course. Claiming it adds it to the account you are signed in with.",
  signedOut: "Sign in, or create an account, to claim the course. You will come back here.",
  button: "Claim the course",
  claim: claimGift,
};

const SEAT: ClaimKind = {
  path: "/seats/claim",
  storageKey: "coursevault.seat-claim",
  title: "Claim your seat",
  intro: "Your team has a seat for you on a course. It is for the address the invitation was sent to.",
  signedOut: "Sign in, or create an account, with the address the invitation was sent to. You will come back here.",
  button: "Claim the seat",
  claim: claimSeat,
};

export function GiftClaim() {
  return <ClaimPage kind={GIFT} />;
}

export function SeatClaim() {
  return <ClaimPage kind={SEAT} />;
}

/** A mailed claim link's page: signed out, it sends the visitor to sign in or up and
 * back; signed in, one button claims; refusals say why in the server's words. */
function ClaimPage({ kind }: { kind: ClaimKind }) {
  const { token, forget } = useClaimToken(kind.storageKey);
  const { user, loading } = useAuth();
  const { busy, run } = useAction();
  const [claimed, setClaimed] = useState<Claimed | null>(null);
  const [problem, setProblem] = useState<ClaimProblem | null>(null);
  const next = encodeURIComponent(kind.path);

  async function claim() {
    setProblem(null);
    await run(async () => {
      try {
        setClaimed(await kind.claim(token));
        forget();
      } catch (error) {
        const found = claimProblem(error);
        if (found.final) forget();
        setProblem(found);
      }
    });
  }

  let body;
  if (!token) {
    body = <Notice error={new Error("This link has no token. Open the link from the email again.")} />;
  } else if (loading) {
    body = <Loading />;
  } else if (claimed) {
    body = (
      <>
        <Notice kind="success">“{claimed.course_title}” is yours now.</Notice>
        <Link className="button primary" to={`/courses/${claimed.course_id}`}>
          Start learning
        </Link>
      </>
    );
  } else if (!user) {
    body = (
      <div className="card">
        <p>{kind.signedOut}</p>
        <div className="row">
          <Link className="button primary" to={`/signin?next=${next}`}>
            Sign in
          </Link>
          <Link className="button" to={`/signup?next=${next}`}>
            Create an account
          </Link>
        </div>
      </div>
    );
  } else {
    body = (
      <div className="card">
        <p>{kind.intro}</p>
        <p>
          Signed in as <strong>{user.email}</strong>.
        </p>
        {problem ? (
          <ProblemText problem={problem} />
        ) : (
          <button className="primary" disabled={busy} onClick={() => void claim()}>
            {busy ? "Claiming…" : kind.button}
          </button>
        )}
      </div>
    );
  }

  return (
    <main className="narrow">
      <h1>{kind.title}</h1>
      {body}
    </main>
  );
}

function ProblemText({ problem }: { problem: ClaimProblem }) {
  return (
    <div role="alert" className="notice notice-error" data-testid="claim-problem" data-kind={problem.kind}>
      <strong>{problem.title}.</strong> {problem.message}
      {problem.kind === "mismatch" && <> Sign out, then sign in with that address and open the link again.</>}
      {problem.kind === "owned" && <> The link still works for another account.</>}
    </div>
  );
}
