// What a claim page says when a gift or a seat cannot be claimed: a heading that names the
// case, the server's own message, and what the visitor can do next.
import { ApiError } from "./api/client";
import i18n from "./i18n";

const t = i18n.getFixedT(null, "shop");

export type ClaimProblemKind = "claimed" | "refunded" | "released" | "invalid" | "mismatch" | "owned" | "other";

export interface ClaimProblem {
  kind: ClaimProblemKind;
  title: string;
  message: string;
  /** Whether the same link can never work again (the kept token is dropped). */
  final: boolean;
}

const TITLES: Record<ClaimProblemKind, () => string> = {
  claimed: () => t("problem.claimed"),
  refunded: () => t("problem.refunded"),
  released: () => t("problem.released"),
  invalid: () => t("problem.invalid"),
  mismatch: () => t("problem.mismatch"),
  owned: () => t("problem.owned"),
  other: () => t("problem.other"),
};

export function claimProblem(error: unknown): ClaimProblem {
  const message = error instanceof Error ? error.message : i18n.t("errors.generic", { ns: "common" });
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
  return { kind, title: TITLES[kind](), message, final };
}
