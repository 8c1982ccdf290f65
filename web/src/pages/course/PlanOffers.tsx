import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { pricingPlans } from "../../api/memberships";
import { useLoad } from "../../components/ui";
import { fromPriceText, plansIncluding } from "../../memberships";

/** "Included in <plan> — from <price>/month" for each active membership plan that opens
 * the course, linking to the pricing page. */
export function PlanOffers({ courseId }: { courseId: string }) {
  const { t } = useTranslation("membership");
  const { data } = useLoad(() => pricingPlans(), [courseId]);
  const plans = data ? plansIncluding(data.items, courseId) : [];
  if (plans.length === 0) return null;
  return (
    <ul className="plain plan-offers">
      {plans.map((plan) => (
        <li key={plan.id} data-testid="course-plan">
          <Link to="/pricing">{t("offer", { plan: plan.title, price: fromPriceText(plan.prices) })}</Link>
        </li>
      ))}
    </ul>
  );
}
