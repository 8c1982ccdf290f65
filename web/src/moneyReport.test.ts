import { describe, expect, it } from "vitest";
import { amount, churnText, mrrText, salesRows, totals, type KindRevenue } from "./moneyReport";

const row = (kind: KindRevenue["kind"], currency: string, paid: number, refunded = 0): KindRevenue => ({
  kind,
  currency,
  orders: 1,
  paid,
  refunded,
  net: paid - refunded,
});

describe("money page figures", () => {
  it("orders the kinds and totals per currency", () => {
    const sales = [
      row("seats", "usd", 9000),
      row("gift", "usd", 4000, 4000),
      row("course", "eur", 2000),
      row("course", "usd", 3000),
    ];
    expect(salesRows(sales).map((r) => `${r.kind}/${r.currency}`)).toEqual([
      "course/eur",
      "course/usd",
      "gift/usd",
      "seats/usd",
    ]);
    expect(totals(sales)).toEqual([
      { currency: "eur", orders: 1, paid: 2000, refunded: 0, net: 2000 },
      { currency: "usd", orders: 3, paid: 16000, refunded: 4000, net: 12000 },
    ]);
  });

  it("shows zero as an amount, churn as a percentage", () => {
    expect(amount(0, "usd")).toMatch(/0\.00/);
    expect(churnText(1 / 3)).toBe("33.3 %");
    expect(churnText(null)).toBe("—");
    expect(mrrText([])).toBe("0");
    expect(mrrText([{ currency: "eur", amount: 1000 }])).toMatch(/10\.00/);
  });
});
