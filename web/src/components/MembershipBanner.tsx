import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { myMemberships, onMembershipsChanged } from "../api/memberships";
import { useAuth } from "../auth";
import { graceText, pastDue } from "../memberships";
import { useLoad } from "./ui";

/** A banner on every page while a membership's last payment has failed: until when its
 * courses stay open, and where to see it. */
export function MembershipBanner() {
  const { t } = useTranslation("membership");
  const { user } = useAuth();
  const { data, reload } = useLoad(async () => (user ? myMemberships() : []), [user?.id]);
  useEffect(() => onMembershipsChanged(() => void reload()), [reload]);
  const due = pastDue(data ?? []);
  if (!user || due.length === 0) return null;
  const first = due[0];
  return (
    <div className="banner banner-bad" role="region" aria-label={t("banner.label")} data-testid="past-due-banner">
      <strong>{t("banner.failed", { plan: first.plan_title })}</strong> {graceText(first)}{" "}
      <Link to="/account/memberships">{t("banner.see")}</Link>
    </div>
  );
}
