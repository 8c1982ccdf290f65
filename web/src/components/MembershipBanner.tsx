import { useEffect } from "react";
import { Link } from "react-router-dom";
import { myMemberships, onMembershipsChanged } from "../api/memberships";
import { useAuth } from "../auth";
import { formatDate, pastDue } from "../memberships";
import { useLoad } from "./ui";

/** A banner on every page while a membership's last payment has failed: until when its
 * courses stay open, and where to see it. */
export function MembershipBanner() {
  const { user } = useAuth();
  const { data, reload } = useLoad(async () => (user ? myMemberships() : []), [user?.id]);
  useEffect(() => onMembershipsChanged(() => void reload()), [reload]);
  const due = pastDue(data ?? []);
  if (!user || due.length === 0) return null;
  const first = due[0];
  return (
    <div className="banner banner-bad" role="region" aria-label="Membership payment" data-testid="past-due-banner">
      <strong>The last payment for your {first.plan_title} membership failed.</strong> Your courses stay open until{" "}
      {formatDate(first.access_until)} while it is tried again; then the membership ends.{" "}
      <Link to="/account/memberships">See your membership</Link>
    </div>
  );
}
