// The API client, generated from the app's OpenAPI document (see `npm run gen:api`).
// Sign-in lives in httpOnly cookies; we only echo the CSRF cookie in a header.
import createClient, { type Middleware } from "openapi-fetch";
import i18n, { shownLanguage } from "../i18n";
import { formatMoney } from "../i18n/format";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** A code from the API's ErrorCode enum, or `http_<status>` when the answer had no error
 * body (a proxy's 502, say). */
export type ErrorCodeOrStatus = Schemas["ErrorCode"] | `http_${number}`;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCodeOrStatus,
    message: string,
    readonly detail: unknown = null,
  ) {
    super(message);
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)(?:__Host-)?cv_csrf=([^;]+)/); // prefixed over https
  return match ? decodeURIComponent(match[1]) : "";
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const retryable = new WeakMap<Request, Request>();
let refreshing: Promise<boolean> | null = null;

/** Renews the short-lived access cookie once, for every request that needs it. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= fetch("/api/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken(), "Accept-Language": shownLanguage() },
  })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => {
      setTimeout(() => (refreshing = null), 0);
    });
  return refreshing;
}

const session: Middleware = {
  onRequest({ request }) {
    // The server words its error messages (and, without an account, its mail) in this.
    request.headers.set("Accept-Language", shownLanguage());
    if (!SAFE.has(request.method)) request.headers.set("X-CSRF-Token", csrfToken());
    if (!request.url.includes("/api/auth/")) retryable.set(request, request.clone());
    return request;
  },
  async onResponse({ request, response }) {
    const copy = retryable.get(request);
    if (response.status !== 401 || !copy) return response;
    if (!(await refreshSession())) return response;
    const again = new Request(copy, { headers: new Headers(copy.headers) });
    if (!SAFE.has(again.method)) again.headers.set("X-CSRF-Token", csrfToken());
    return fetch(again);
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(session);

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Returns the data of an API call, or throws an ApiError carrying the API's error code. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const body = (error ?? {}) as Partial<Schemas["ErrorBody"]>;
  throw new ApiError(
    response.status,
    body.error?.code ?? `http_${response.status}`,
    body.error?.message ?? i18n.t("errors.httpStatus", { ns: "common", status: response.status }),
    body.error?.detail ?? null,
  );
}

/** A price in the language shown: "$9.00", "9,00 $"; zero is "Free". */
export function money(amount: number, currency: string): string {
  if (amount === 0) return i18n.t("price.free", { ns: "common" });
  return formatMoney(amount, currency);
}

export function duration(seconds: number | null | undefined): string {
  if (!seconds) return "";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** The list, create, update and delete calls of a resource its owner manages (bundles,
 * membership plans): each unwrapped, the delete answering nothing. */
export function ownedResource<Item, Create, Update>(calls: {
  list(): Promise<Result<Item[]>>;
  create(body: Create): Promise<Result<Item>>;
  update(id: string, body: Update): Promise<Result<Item>>;
  remove(id: string): Promise<Result<unknown>>;
}) {
  return {
    list: (): Promise<Item[]> => unwrap(calls.list()),
    create: (body: Create): Promise<Item> => unwrap(calls.create(body)),
    update: (id: string, body: Update): Promise<Item> => unwrap(calls.update(id, body)),
    remove: (id: string): Promise<void> => unwrap(calls.remove(id)).then(() => undefined),
  };
}
