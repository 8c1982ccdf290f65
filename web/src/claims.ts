// What a claim page says when a gift or a seat cannot be claimed: a heading that names the
// case, the server's own message, and what the visitor can do next.
import { ApiError } from "./api/client";

export type ClaimProblemKind = "claimed" | "refunded" | "released" | "invalid" | "mismatch" | "owned" | "other";

export interface ClaimProblem {
  kind: ClaimProblemKind;
  title: string;
  message: string;
  /** Whether the same link can never work again (the kept token is dropped). */
  final: boolean;
}

const TITLES: Record<ClaimProblemKind, string> = {
  claimed: "Already claimed",
  refunded: "This gift was refunded",
  released: "This seat is no longer yours",
  invalid: "This link does not work",
  mismatch: "Signed in with another address",
  owned: "You already have this course",
  other: "Could not claim it",
};

export function claimProblem(error: unknown): ClaimProblem {
  const message = error instanceof Error ? error.message : "Something went wrong.";
  const code = error instanceof ApiError ? error.code : null;
  const kind: ClaimProblemKind =
    code === "gift_already_claimed" || code === "seat_already_claimed"
      ? "claimed"
      : code === "gift_refunded"
        ? "refunded"
        : code === "seat_released"
          ? "released"
          : code === "gift_not_found" || code === "seat_not_found" || code === "validation_error"
            ? "invalid"
            : code === "seat_email_mismatch"
              ? "mismatch"
              : code === "already_enrolled"
                ? "owned"
                : "other";
  // A wrong account or a course already owned: another account may still use the link.
  const final = kind === "claimed" || kind === "refunded" || kind === "released" || kind === "invalid";
  return { kind, title: TITLES[kind], message, final };
}
