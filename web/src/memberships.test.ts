import { describe, expect, it } from "vitest";
import type { Membership, Plan } from "./api/memberships";
import { chooseLanguage } from "./i18n";
import {
  describeMembership,
  formatDate,
  fromPriceText,
  memberActions,
  monthlyFrom,
  pastDue,
  planBody,
  planForm,
  plansIncluding,
  sortMemberships,
  statusAt,
  testActions,
  toMinor,
  yearlySaving,
  type PlanForm,
} from "./memberships";

const NOW = new Date("2026-03-10T12:00:00Z");

function membership(over: Partial<Membership> = {}): Membership {
  return {
    id: "m1",
    user_id: "u1",
    plan_id: "p1",
    plan_title: "All access",
    interval: "month",
    amount: 900,
    currency: "eur",
    provider: "local",
    status: "active",
    cancel_at_period_end: false,
    started_at: "2026-03-01T00:00:00Z",
    paid_through: "2026-04-01T00:00:00Z",
    access_until: "2026-04-04T00:00:00Z",
    ended_at: null,
    created_at: "2026-03-01T00:00:00Z",
    checkout_url: null,
    ...over,
  };
}

function plan(over: Partial<Plan> = {}): Plan {
  return {
    id: "p1",
    title: "All access",
    description: "",
    owner_id: "a1",
    all_courses: false,
    course_ids: ["c1"],
    courses: [],
    course_count: 1,
    prices: { month: { amount: 900, currency: "eur" } },
    active: true,
    created_at: "2026-01-01T00:00:00Z",
    ...over,
  };
}

describe("prices", () => {
  it("starts from the cheaper of a month and a twelfth of a year", () => {
    expect(monthlyFrom({ month: { amount: 1000, currency: "usd" }, year: { amount: 9000, currency: "usd" } })).toEqual({
      amount: 750,
      currency: "usd",
    });
    expect(monthlyFrom({ month: { amount: 500, currency: "usd" }, year: { amount: 9000, currency: "usd" } })).toEqual({
      amount: 500,
      currency: "usd",
    });
    expect(monthlyFrom({ year: { amount: 12000, currency: "eur" } })).toEqual({ amount: 1000, currency: "eur" });
    // Prices in two currencies are not compared: the monthly one is shown.
    expect(monthlyFrom({ month: { amount: 1000, currency: "usd" }, year: { amount: 100, currency: "eur" } })).toEqual({
      amount: 1000,
      currency: "usd",
    });
    expect(monthlyFrom({})).toBeNull();
    expect(fromPriceText({ month: { amount: 900, currency: "usd" } })).toBe("from $9.00/month");
    expect(fromPriceText({})).toBe("");
  });

  it("says what paying yearly saves", () => {
    expect(yearlySaving({ month: { amount: 1000, currency: "usd" }, year: { amount: 10000, currency: "usd" } })).toBe(
      17,
    );
    expect(
      yearlySaving({ month: { amount: 1000, currency: "usd" }, year: { amount: 12000, currency: "usd" } }),
    ).toBeNull();
    expect(yearlySaving({ month: { amount: 1000, currency: "usd" }, year: { amount: 1, currency: "eur" } })).toBeNull();
    expect(yearlySaving({ month: { amount: 1000, currency: "usd" } })).toBeNull();
  });

  it("finds the active plans that open a course", () => {
    const plans = [
      plan({ id: "chosen" }),
      plan({ id: "all", all_courses: true, course_ids: [] }),
      plan({ id: "other", course_ids: ["c2"] }),
      plan({ id: "off", active: false }),
    ];
    expect(plansIncluding(plans, "c1").map((p) => p.id)).toEqual(["chosen", "all"]);
  });
});

describe("a membership's status", () => {
  it("says when an active membership renews", () => {
    const view = describeMembership(membership(), NOW);
    expect(view.label).toBe("Active");
    expect(view.tone).toBe("ok");
    expect(view.detail).toBe(`Renews on ${formatDate("2026-04-01T00:00:00Z")} at €9.00/month.`);
  });

  it("says it in the language shown, with its dates and prices", async () => {
    await chooseLanguage("de");
    try {
      const view = describeMembership(membership(), NOW);
      expect(view.label).toBe("Aktiv");
      expect(formatDate("2026-04-01T12:00:00Z")).toBe("1. April 2026");
      expect(view.detail).toBe(`Verlängert sich am ${formatDate("2026-04-01T00:00:00Z")} zu 9,00\u00a0€/Monat.`);
    } finally {
      await chooseLanguage("en");
    }
  });

  it("says when a cancelled one ends, and that access holds until then", () => {
    const m = membership({ cancel_at_period_end: true, access_until: "2026-04-01T00:00:00Z" });
    const view = describeMembership(m, NOW);
    expect(view.label).toBe(`Cancels on ${formatDate("2026-04-01T00:00:00Z")}`);
    expect(view.detail).toMatch(/will not renew.*access until/);
    expect(memberActions(m, NOW)).toEqual({ cancel: false, resume: true });
  });

  it("gives a past-due member the end of the grace period", () => {
    const m = membership({ status: "past_due", access_until: "2026-03-13T12:00:00Z" });
    const view = describeMembership(m, NOW);
    expect(view.label).toBe("Past due");
    expect(view.tone).toBe("bad");
    expect(view.detail).toContain(`until ${formatDate("2026-03-13T12:00:00Z")} (the grace period)`);
    expect(pastDue([m, membership({ id: "m2" })], NOW)).toEqual([m]);
    expect(memberActions(m, NOW)).toEqual({ cancel: true, resume: false });
  });

  it("treats a membership past its access end as ended, as the server does", () => {
    const lapsed = membership({ status: "past_due", access_until: "2026-03-10T11:59:59Z" });
    expect(statusAt(lapsed, NOW)).toBe("ended");
    expect(describeMembership(lapsed, NOW).detail).toBe(
      `Ended on ${formatDate("2026-03-10T11:59:59Z")}: its courses are closed.`,
    );
    expect(pastDue([lapsed], NOW)).toEqual([]);
    expect(memberActions(lapsed, NOW)).toEqual({ cancel: false, resume: false });
    const deleted = membership({ status: "ended", access_until: null, ended_at: "2026-03-05T00:00:00Z" });
    expect(describeMembership(deleted, NOW).label).toBe("Ended");
    expect(describeMembership(membership({ status: "ended", ended_at: null }), NOW).detail).toBe(
      "This membership has ended.",
    );
  });

  it("waits for the first payment", () => {
    const m = membership({ status: "pending", started_at: null, paid_through: null, access_until: null });
    expect(describeMembership(m, NOW).label).toBe("Waiting for payment");
    expect(memberActions(m, NOW)).toEqual({ cancel: false, resume: false });
  });

  it("offers the test simulations each state allows, for test memberships only", () => {
    expect(testActions(membership(), NOW)).toEqual(["renew", "fail_renewal", "delete"]);
    expect(testActions(membership({ status: "past_due", access_until: "2026-03-13T00:00:00Z" }), NOW)).toEqual([
      "recover",
      "delete",
    ]);
    expect(testActions(membership({ status: "pending" }), NOW)).toEqual(["pay", "decline", "delete"]);
    expect(testActions(membership({ status: "ended" }), NOW)).toEqual([]);
    expect(testActions(membership({ provider: "stripe" }), NOW)).toEqual([]);
  });

  it("lists memberships in force first, newest first", () => {
    const list = [
      membership({ id: "old-ended", status: "ended", created_at: "2025-01-01T00:00:00Z" }),
      membership({ id: "pending", status: "pending", created_at: "2026-03-09T00:00:00Z" }),
      membership({ id: "active", created_at: "2026-02-01T00:00:00Z" }),
      membership({ id: "new-ended", status: "ended", created_at: "2026-02-15T00:00:00Z" }),
    ];
    expect(sortMemberships(list, NOW).map((m) => m.id)).toEqual(["active", "pending", "new-ended", "old-ended"]);
  });
});

describe("the plan form", () => {
  const fields: PlanForm = {
    title: " Everything ",
    description: "",
    allCourses: false,
    courseIds: ["c1"],
    month: "9.99",
    year: "",
    currency: "eur",
  };

  it("reads typed prices as minor units", () => {
    expect([toMinor("9.99"), toMinor("10"), toMinor("4,5"), toMinor(" 12.00 ")]).toEqual([999, 1000, 450, 1200]);
    expect([toMinor(""), toMinor("0"), toMinor("-1"), toMinor("1.234"), toMinor("ten")]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it("builds the API body", () => {
    expect(planBody(fields)).toEqual({
      title: "Everything",
      description: "",
      all_courses: false,
      course_ids: ["c1"],
      prices: { month: { amount: 999, currency: "eur" } },
    });
    const all = planBody({ ...fields, allCourses: true, year: "99", currency: "USD" });
    expect(all).toMatchObject({
      all_courses: true,
      course_ids: [],
      prices: { month: { amount: 999, currency: "usd" }, year: { amount: 9900, currency: "usd" } },
    });
  });

  it("says what is missing", () => {
    expect(planBody({ ...fields, month: "" })).toEqual(
      new Error("Give the plan a monthly price, a yearly price, or both."),
    );
    expect((planBody({ ...fields, year: "abc" }) as Error).message).toMatch(/yearly price is not an amount/);
    expect((planBody({ ...fields, courseIds: [] }) as Error).message).toMatch(/Choose the plan's courses/);
    expect((planBody({ ...fields, currency: "E" }) as Error).message).toMatch(/three-letter/);
  });

  it("shows a stored plan as typed prices", () => {
    const stored = plan({ prices: { year: { amount: 9000, currency: "usd" } }, all_courses: true, course_ids: [] });
    expect(planForm(stored)).toMatchObject({ month: "", year: "90.00", currency: "USD", allCourses: true });
    expect(planForm()).toMatchObject({ title: "", month: "", year: "", currency: "USD", courseIds: [] });
  });
});
