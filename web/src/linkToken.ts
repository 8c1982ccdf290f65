// The token of a mailed claim link (`/gifts/claim#token=…`, `/seats/claim#token=…`). It
// rides in the fragment, which browsers never send to a server; it is taken out of the
// address bar at once. A visitor who must sign in (or sign up) first comes back to the
// page without the fragment, so the token is kept for this tab in sessionStorage until
// the claim is settled.
import { useCallback, useEffect, useState } from "react";

type Store = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** The `token` of a fragment like `#token=abc` (or ""). */
export function tokenOf(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, "")).get("token")?.trim() ?? "";
}

/** The link's token: the fragment's (kept under KEY for this tab), else the one kept. */
export function takeLinkToken(key: string, hash: string, store: Store | null): string {
  const fresh = tokenOf(hash);
  try {
    if (fresh) store?.setItem(key, fresh);
    return fresh || store?.getItem(key) || "";
  } catch {
    return fresh; // storage refused (private mode): the fragment still works on its own
  }
}

/** Forgets the kept token (once its claim succeeded or can never succeed). */
export function forgetLinkToken(key: string, store: Store | null): void {
  try {
    store?.removeItem(key);
  } catch {
    // nothing kept
  }
}

function session(): Store | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** Reads the page's claim token once, removes the fragment from the address bar and the
 * history; `forget` drops the copy kept for this tab. */
export function useClaimToken(key: string): { token: string; forget: () => void } {
  const [token] = useState(() => takeLinkToken(key, window.location.hash, session()));
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname);
  }, []);
  const forget = useCallback(() => forgetLinkToken(key, session()), [key]);
  return { token, forget };
}

/** A `next` path for the sign-in page: only a path of this site. */
export function safeNext(next: string | null | undefined, fallback = "/"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  return next;
}
