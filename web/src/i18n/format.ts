import i18n from "./index";

// Dates, numbers and prices in the language shown (not the browser's), so a German page
// reads "1.234,50 €" and "5. Dezember 2026" whatever the machine is set to.
const locale = () => i18n.language || "en";

export function formatMoney(minor: number, currency: string): string {
  return new Intl.NumberFormat(locale(), { style: "currency", currency: currency.toUpperCase() }).format(minor / 100);
}

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale(), options).format(value);
}

export function formatDate(iso: string | Date, options?: Intl.DateTimeFormatOptions): string {
  const when = typeof iso === "string" ? new Date(iso) : iso;
  return new Intl.DateTimeFormat(locale(), options ?? { year: "numeric", month: "long", day: "numeric" }).format(when);
}

export function formatDateTime(iso: string | Date): string {
  return formatDate(iso, { dateStyle: "medium", timeStyle: "short" });
}
