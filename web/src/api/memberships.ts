// Membership plans and memberships (#25): one function per call, on top of the generated
// client. Pages that change a membership call `membershipsChanged()` so the site-wide
// past-due banner reads them again.
import { api, ownedResource, unwrap, type Schemas } from "./client";

export type Plan = Schemas["MembershipPlanRead"];
export type PlanPage = Schemas["MembershipPlanPage"];
export type PlanCreate = Schemas["MembershipPlanCreate"];
export type PlanUpdate = Schemas["MembershipPlanUpdate"];
export type PlanPrices = Schemas["PlanPrices"];
export type Membership = Schemas["MembershipRead"];
export type Interval = Schemas["Interval"];
export type LocalAction = Schemas["LocalAction"];

// ---- plans ----------------------------------------------------------------------------

/** The pricing page: active plans, and how a card is collected on this site. */
export function pricingPlans(): Promise<PlanPage> {
  return unwrap(api.GET("/api/membership-plans"));
}

// myPlans: the plans the caller may change (an admin: every plan), active or not.
export const {
  list: myPlans,
  create: createPlan,
  update: updatePlan,
  remove: deletePlan,
} = ownedResource<Plan, PlanCreate, PlanUpdate>({
  list: () => api.GET("/api/me/membership-plans"),
  create: (body) => api.POST("/api/membership-plans", { body }),
  update: (plan_id, body) => api.PATCH("/api/membership-plans/{plan_id}", { params: { path: { plan_id } }, body }),
  remove: (plan_id) => api.DELETE("/api/membership-plans/{plan_id}", { params: { path: { plan_id } } }),
});

// ---- memberships ----------------------------------------------------------------------

/** Subscribes at the plan's own price: with Stripe, PAYMENT_METHOD is the card's
 * PaymentMethod made by Stripe.js; with the local test checkout the answer is pending and
 * names its `checkout_url`. */
export function subscribe(
  planId: string,
  interval: Interval,
  paymentMethod: string | null = null,
): Promise<Membership> {
  return unwrap(
    api.POST("/api/membership-plans/{plan_id}/subscribe", {
      params: { path: { plan_id: planId } },
      body: { interval, payment_method: paymentMethod },
    }),
  );
}

export function myMemberships(): Promise<Membership[]> {
  return unwrap(api.GET("/api/me/memberships")).then((page) => page.items);
}

export function getMembership(membershipId: string): Promise<Membership> {
  return unwrap(api.GET("/api/memberships/{membership_id}", { params: { path: { membership_id: membershipId } } }));
}

/** Cancels at the end of the paid period (access holds until then). */
export function cancelMembership(membershipId: string): Promise<Membership> {
  return unwrap(
    api.POST("/api/memberships/{membership_id}/cancel", { params: { path: { membership_id: membershipId } } }),
  ).then(changed);
}

/** Takes a cancellation back before the period ends. */
export function resumeMembership(membershipId: string): Promise<Membership> {
  return unwrap(
    api.POST("/api/memberships/{membership_id}/resume", { params: { path: { membership_id: membershipId } } }),
  ).then(changed);
}

/** The local test checkout's buttons (development only): a payment, decline, renewal,
 * failed renewal, recovery or deletion of the test subscription. */
export function simulate(membershipId: string, action: LocalAction): Promise<Membership> {
  return unwrap(
    api.POST("/api/memberships/{membership_id}/local", {
      params: { path: { membership_id: membershipId } },
      body: { action },
    }),
  ).then(changed);
}

// ---- changes --------------------------------------------------------------------------

const CHANGED = "coursevault:memberships-changed";

function changed<T>(value: T): T {
  membershipsChanged();
  return value;
}

/** Tells whoever shows memberships (the past-due banner) to read them again. */
export function membershipsChanged(): void {
  window.dispatchEvent(new Event(CHANGED));
}

/** Calls LISTENER after each change; returns the unsubscribe. */
export function onMembershipsChanged(listener: () => void): () => void {
  window.addEventListener(CHANGED, listener);
  return () => window.removeEventListener(CHANGED, listener);
}
