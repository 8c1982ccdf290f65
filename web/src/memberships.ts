// What the pricing, account and studio pages say about membership plans and memberships:
// prices per interval, a membership's status in words, the actions it allows, and the plan
// form's body. Pure functions, tested in memberships.test.ts.
import { money } from "./api/client";
import type { Interval, LocalAction, Membership, Plan, PlanCreate, PlanPrices } from "./api/memberships";
import i18n from "./i18n";
import { formatDate as formatDay } from "./i18n/format";

const t = i18n.getFixedT(null, "membership");

export const INTERVALS: Interval[] = ["month", "year"];

/** "December 5, 2026" ("5. Dezember 2026"); "" for no date. */
export function formatDate(iso: string | null | undefined): string {
  return iso ? formatDay(iso) : "";
}

/** "€9.00/month", "$90.00/year" ("90,00 $/Jahr"). */
export function priceText(amount: number, currency: string, interval: Interval): string {
  const price = money(amount, currency);
  return interval === "year" ? t("price.perYear", { price }) : t("price.perMonth", { price });
}

/** "Monthly", "Yearly". */
export function intervalName(interval: Interval): string {
  return interval === "year" ? t("price.yearly") : t("price.monthly");
}

/** The intervals a plan sells, monthly first. */
export function intervalsOf(prices: PlanPrices): Interval[] {
  return INTERVALS.filter((interval) => prices[interval]);
}

/** The lowest price per month a plan is sold at (a yearly price counts as a twelfth), in
 * the monthly price's currency when there is one; null for a plan without prices. */
export function monthlyFrom(prices: PlanPrices): { amount: number; currency: string } | null {
  const { month, year } = prices;
  const yearly = year ? { amount: Math.round(year.amount / 12), currency: year.currency } : null;
  if (!month) return yearly;
  if (yearly && yearly.currency.toLowerCase() === month.currency.toLowerCase() && yearly.amount < month.amount)
    return yearly;
  return { amount: month.amount, currency: month.currency };
}

/** "from €7.50/month" for the course page; "" for a plan without prices. */
export function fromPriceText(prices: PlanPrices): string {
  const from = monthlyFrom(prices);
  return from ? t("price.from", { price: priceText(from.amount, from.currency, "month") }) : "";
}

/** The share (whole percent) saved by paying yearly instead of twelve months; null when
 * nothing is saved or the prices cannot be compared. */
export function yearlySaving(prices: PlanPrices): number | null {
  const { month, year } = prices;
  if (!month || !year || month.currency.toLowerCase() !== year.currency.toLowerCase()) return null;
  const percent = Math.round((1 - year.amount / (12 * month.amount)) * 100);
  return percent > 0 ? percent : null;
}

/** The active plans that open COURSE_ID. */
export function plansIncluding(plans: Plan[], courseId: string): Plan[] {
  return plans.filter((p) => p.active && (p.all_courses || p.course_ids.includes(courseId)));
}

// ---- a membership's status ----------------------------------------------------------

export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

export interface StatusView {
  /** The badge: Active, Past due, Cancels on <date>, Ended, … */
  label: string;
  tone: Tone;
  /** One or two sentences: what happens next, until when. */
  detail: string;
}

const IN_FORCE = new Set(["active", "past_due"]);

/** The status as of NOW: a membership in force whose access end has passed has ended (the
 * server says so too when asked again; a page left open should not wait for that). */
export function statusAt(m: Membership, now: Date = new Date()): Membership["status"] {
  if (IN_FORCE.has(m.status) && m.access_until && new Date(m.access_until) <= now) return "ended";
  return m.status;
}

export function describeMembership(m: Membership, now: Date = new Date()): StatusView {
  const price = priceText(m.amount, m.currency, m.interval);
  switch (statusAt(m, now)) {
    case "pending":
      return { label: t("status.pending"), tone: "info", detail: t("status.pendingDetail") };
    case "active": {
      if (m.cancel_at_period_end) {
        return {
          label: t("status.cancels", { date: formatDate(m.paid_through ?? m.access_until) }),
          tone: "warn",
          detail: t("status.cancelsDetail", { date: formatDate(m.access_until ?? m.paid_through) }),
        };
      }
      return {
        label: t("status.active"),
        tone: "ok",
        detail: t("status.activeDetail", { date: formatDate(m.paid_through ?? m.access_until), price }),
      };
    }
    case "past_due":
      return {
        label: t("status.pastDue"),
        tone: "bad",
        detail: `${t("status.lastPaymentFailed")} ${graceText(m)}`,
      };
    case "ended": {
      const ended = m.ended_at ?? (IN_FORCE.has(m.status) ? m.access_until : null);
      return {
        label: t("status.ended"),
        tone: "muted",
        detail: ended ? t("status.endedOn", { date: formatDate(ended) }) : t("status.endedDetail"),
      };
    }
    default:
      return { label: t("status.failed"), tone: "bad", detail: t("status.failedDetail") };
  }
}

/** Until when a membership whose payment failed stays open, and what happens then. */
export function graceText(m: Membership): string {
  return t("status.grace", { date: formatDate(m.access_until) });
}

/** What the member may do now (the server refuses the rest). */
export function memberActions(m: Membership, now: Date = new Date()): { cancel: boolean; resume: boolean } {
  const inForce = IN_FORCE.has(statusAt(m, now));
  return { cancel: inForce && !m.cancel_at_period_end, resume: inForce && m.cancel_at_period_end };
}

/** The local test checkout's simulations a test membership allows now (development). */
export function testActions(m: Membership, now: Date = new Date()): LocalAction[] {
  if (m.provider !== "local") return [];
  switch (statusAt(m, now)) {
    case "pending":
      return ["pay", "decline", "delete"];
    case "active":
      return ["renew", "fail_renewal", "delete"];
    case "past_due":
      return ["recover", "delete"];
    default:
      return [];
  }
}

/** Memberships in force first, then waiting ones, then those that ended; newest first. */
export function sortMemberships(list: Membership[], now: Date = new Date()): Membership[] {
  const order: Record<string, number> = { active: 0, past_due: 0, pending: 1 };
  const rank = (m: Membership) => order[statusAt(m, now)] ?? 2;
  return [...list].sort((a, b) => rank(a) - rank(b) || b.created_at.localeCompare(a.created_at));
}

/** The memberships whose last payment failed and that are still in their grace period. */
export function pastDue(list: Membership[], now: Date = new Date()): Membership[] {
  return list.filter((m) => statusAt(m, now) === "past_due");
}

// ---- the studio's plan form ---------------------------------------------------------

/** Minor units from what was typed ("9.99" → 999); null for empty, zero or nonsense. */
export function toMinor(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+([.,]\d{1,2})?$/.test(trimmed)) return null;
  const minor = Math.round(Number(trimmed.replace(",", ".")) * 100);
  return minor > 0 ? minor : null;
}

export interface PlanForm {
  title: string;
  description: string;
  allCourses: boolean;
  courseIds: string[];
  month: string; // the price as typed; "" when not sold monthly
  year: string;
  currency: string;
}

/** The API body of a plan form, or an Error saying what is missing. */
export function planBody(form: PlanForm): PlanCreate | Error {
  const currency = form.currency.trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) return new Error(t("plan.currency"));
  const prices: PlanPrices = {};
  for (const interval of INTERVALS) {
    const typed = form[interval].trim();
    if (!typed) continue;
    const amount = toMinor(typed);
    if (amount === null) return new Error(interval === "year" ? t("plan.yearlyAmount") : t("plan.monthlyAmount"));
    prices[interval] = { amount, currency };
  }
  if (!prices.month && !prices.year) return new Error(t("plan.noPrice"));
  if (!form.allCourses && form.courseIds.length === 0) return new Error(t("plan.noCourses"));
  return {
    title: form.title.trim(),
    description: form.description.trim(),
    all_courses: form.allCourses,
    course_ids: form.allCourses ? [] : form.courseIds,
    prices,
  };
}

/** A stored plan as the form shows it. */
export function planForm(plan?: Plan): PlanForm {
  const amount = (interval: Interval) => {
    const price = plan?.prices[interval];
    return price ? (price.amount / 100).toFixed(2) : "";
  };
  return {
    title: plan?.title ?? "",
    description: plan?.description ?? "",
    allCourses: plan?.all_courses ?? false,
    courseIds: plan?.course_ids ?? [],
    month: amount("month"),
    year: amount("year"),
    currency: (plan?.prices.month?.currency ?? plan?.prices.year?.currency ?? "usd").toUpperCase(),
  };
}
