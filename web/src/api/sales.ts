// Bundles, gifts and team seats: one function per call, on top of the generated client.
// Every checkout answers the same CheckoutRead as a course order; the caller opens its
// `checkout_url` (the local test checkout, or Stripe Elements when configured).
import { api, ownedResource, unwrap, type Schemas } from "./client";

export type Bundle = Schemas["BundleRead"];
export type BundleCreate = Schemas["BundleCreate"];
export type BundleUpdate = Schemas["BundleUpdate"];
export type PublicBundle = Schemas["BundlePublicRead"];
export type BundleOffer = Schemas["BundleOffer"];
export type CheckoutRead = Schemas["CheckoutRead"];
export type Gift = Schemas["GiftRead"];
export type TeamSummary = Schemas["TeamSummary"];
export type Team = Schemas["TeamRead"];
export type Seat = Schemas["SeatRead"];

// ---- bundles ------------------------------------------------------------------------

export const {
  list: myBundles,
  create: createBundle,
  update: updateBundle,
  remove: deleteBundle,
} = ownedResource<Bundle, BundleCreate, BundleUpdate>({
  list: () => api.GET("/api/me/bundles"),
  create: (body) => api.POST("/api/bundles", { body }),
  update: (bundle_id, body) => api.PATCH("/api/bundles/{bundle_id}", { params: { path: { bundle_id } }, body }),
  remove: (bundle_id) => api.DELETE("/api/bundles/{bundle_id}", { params: { path: { bundle_id } } }),
});

export function getBundle(bundleId: string): Promise<PublicBundle> {
  return unwrap(api.GET("/api/bundles/{bundle_id}", { params: { path: { bundle_id: bundleId } } }));
}

/** The bundles on sale that include a course (for the course's page). */
export function courseBundles(courseId: string): Promise<BundleOffer[]> {
  return unwrap(api.GET("/api/courses/{course_id}/bundles", { params: { path: { course_id: courseId } } }));
}

export function checkoutBundle(bundleId: string, coupon: string | null): Promise<CheckoutRead> {
  return unwrap(
    api.POST("/api/bundles/{bundle_id}/checkout", {
      params: { path: { bundle_id: bundleId } },
      body: { coupon },
    }),
  );
}

// ---- gifts --------------------------------------------------------------------------

export function checkoutGift(
  courseId: string,
  body: { recipient_email: string; message: string; coupon: string | null },
): Promise<CheckoutRead> {
  return unwrap(api.POST("/api/courses/{course_id}/gift", { params: { path: { course_id: courseId } }, body }));
}

export function myGifts(): Promise<Gift[]> {
  return unwrap(api.GET("/api/me/gifts"));
}

export function claimGift(token: string): Promise<Schemas["GiftClaimRead"]> {
  return unwrap(api.POST("/api/gifts/claim", { body: { token } }));
}

export function refundGift(giftId: string): Promise<Gift> {
  return unwrap(api.POST("/api/gifts/{gift_id}/refund", { params: { path: { gift_id: giftId } } }));
}

// ---- team seats ---------------------------------------------------------------------

export function checkoutSeats(courseId: string, quantity: number, coupon: string | null = null): Promise<CheckoutRead> {
  return unwrap(
    api.POST("/api/courses/{course_id}/seats/checkout", {
      params: { path: { course_id: courseId } },
      body: { quantity, coupon },
    }),
  );
}

export function myTeams(): Promise<TeamSummary[]> {
  return unwrap(api.GET("/api/me/teams"));
}

export function getTeam(teamId: string): Promise<Team> {
  return unwrap(api.GET("/api/teams/{team_id}", { params: { path: { team_id: teamId } } }));
}

export function assignSeat(teamId: string, email: string): Promise<Seat> {
  return unwrap(api.POST("/api/teams/{team_id}/seats", { params: { path: { team_id: teamId } }, body: { email } }));
}

export function reassignSeat(teamId: string, seatId: string, email: string): Promise<Seat> {
  return unwrap(
    api.PUT("/api/teams/{team_id}/seats/{seat_id}", {
      params: { path: { team_id: teamId, seat_id: seatId } },
      body: { email },
    }),
  );
}

export function releaseSeat(teamId: string, seatId: string): Promise<void> {
  return unwrap(
    api.DELETE("/api/teams/{team_id}/seats/{seat_id}", { params: { path: { team_id: teamId, seat_id: seatId } } }),
  ).then(() => undefined);
}

export function claimSeat(token: string): Promise<Schemas["SeatClaimRead"]> {
  return unwrap(api.POST("/api/seats/claim", { body: { token } }));
}

// ---- money pages --------------------------------------------------------------------

export type MoneyReport = Schemas["MoneyReport"];

/** Sales per order kind and currency, and membership figures: the caller's own, or the
 * whole site's for an admin. */
export function moneyReport(): Promise<MoneyReport> {
  return unwrap(api.GET("/api/reports/money"));
}
