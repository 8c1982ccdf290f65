import type { TFunction } from "i18next";
import { useState } from "react";
import { useTranslation } from "react-i18next";
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
  words(t: TFunction<"shop">): { title: string; intro: string; signedOut: string; button: string };
  claim(token: string): Promise<Claimed>;
}

const GIFT: ClaimKind = {
  path: "/gifts/claim",
  storageKey: "coursevault.gift-claim",
  words: (t) => ({
    title: t("claim.gift.title"),
    intro: t("claim.gift.intro"),
    signedOut: t("claim.gift.signedOut"),
    button: t("claim.gift.button"),
  }),
  claim: claimGift,
};

const SEAT: ClaimKind = {
  path: "/seats/claim",
  storageKey: "coursevault.seat-claim",
  words: (t) => ({
    title: t("claim.seat.title"),
    intro: t("claim.seat.intro"),
    signedOut: t("claim.seat.signedOut"),
    button: t("claim.seat.button"),
  }),
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
  const { t } = useTranslation("shop");
  const words = kind.words(t);
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
    body = <Notice error={new Error(t("claim.noToken"))} />;
  } else if (loading) {
    body = <Loading />;
  } else if (claimed) {
    body = (
      <>
        <Notice kind="success">{t("claim.done", { title: claimed.course_title })}</Notice>
        <Link className="button primary" to={`/courses/${claimed.course_id}`}>
          {t("claim.start")}
        </Link>
      </>
    );
  } else if (!user) {
    body = (
      <div className="card">
        <p>{words.signedOut}</p>
        <div className="row">
          <Link className="button primary" to={`/signin?next=${next}`}>
            {t("claim.signIn")}
          </Link>
          <Link className="button" to={`/signup?next=${next}`}>
            {t("claim.signUp")}
          </Link>
        </div>
      </div>
    );
  } else {
    body = (
      <div className="card">
        <p>{words.intro}</p>
        <p>
          {t("claim.signedInAs")} <strong>{user.email}</strong>.
        </p>
        {problem ? (
          <ProblemText problem={problem} />
        ) : (
          <button className="primary" disabled={busy} onClick={() => void claim()}>
            {busy ? t("claim.busy") : words.button}
          </button>
        )}
      </div>
    );
  }

  return (
    <main className="narrow">
      <h1>{words.title}</h1>
      {body}
    </main>
  );
}

function ProblemText({ problem }: { problem: ClaimProblem }) {
  const { t } = useTranslation("shop");
  return (
    <div role="alert" className="notice notice-error" data-testid="claim-problem" data-kind={problem.kind}>
      <strong>{problem.title}.</strong> {problem.message}
      {problem.kind === "mismatch" && <> {t("claim.mismatchHint")}</>}
      {problem.kind === "owned" && <> {t("claim.ownedHint")}</>}
    </div>
  );
}
