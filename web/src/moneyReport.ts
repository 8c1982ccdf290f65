// The money pages' figures in words: sales rows in a fixed order of kinds, totals per
// currency, amounts that show zero as zero (not "Free"), churn as a percentage.
import type { Schemas } from "./api/client";
import i18n from "./i18n";
import { formatMoney, formatNumber } from "./i18n/format";

export type KindRevenue = Schemas["KindRevenue"];
type Kind = KindRevenue["kind"];

const t = i18n.getFixedT(null, "reports");

const KIND_LABELS: Record<Kind, () => string> = {
  course: () => t("kinds.course"),
  bundle: () => t("kinds.bundle"),
  gift: () => t("kinds.gift"),
  seats: () => t("kinds.seats"),
};
const ORDER: Kind[] = ["course", "bundle", "gift", "seats"];

/** "Courses", "Team seats", … */
export function kindLabel(kind: Kind): string {
  return KIND_LABELS[kind]();
}

export function amount(minor: number, currency: string): string {
  return formatMoney(minor, currency);
}

/** The sales, courses first, then bundles, gifts and seats; per kind by currency. */
export function salesRows(sales: KindRevenue[]): KindRevenue[] {
  return [...sales].sort(
    (a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.currency.localeCompare(b.currency),
  );
}

export interface CurrencyTotal {
  currency: string;
  orders: number;
  paid: number;
  refunded: number;
  net: number;
}

/** Every kind together, per currency (amounts in different currencies never add up). */
export function totals(sales: KindRevenue[]): CurrencyTotal[] {
  const by = new Map<string, CurrencyTotal>();
  for (const row of sales) {
    const total = by.get(row.currency) ?? { currency: row.currency, orders: 0, paid: 0, refunded: 0, net: 0 };
    total.orders += row.orders;
    total.paid += row.paid;
    total.refunded += row.refunded;
    total.net += row.net;
    by.set(row.currency, total);
  }
  return [...by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

export function churnText(churn: number | null | undefined): string {
  if (churn === null || churn === undefined) return "—";
  const percent = formatNumber(churn * 100, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return t("churn", { percent });
}

export function mrrText(mrr: { currency: string; amount: number }[]): string {
  return mrr.length ? mrr.map((m) => amount(m.amount, m.currency)).join(" + ") : formatNumber(0);
}
