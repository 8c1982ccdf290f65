import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { money, type Schemas } from "../../api/client";
import { checkoutGift, courseBundles } from "../../api/sales";
import { useAuth } from "../../auth";
import { BuySeats } from "../../components/BuySeats";
import { Notice, useAction, useLoad } from "../../components/ui";

type Course = Schemas["CourseRead"];

/** What else a paid course's page sells: the course as a gift, seats for a team. */
export function SaleOptions({ course }: { course: Course }) {
  const { t } = useTranslation("shop");
  return (
    <div className="sale-options">
      <details>
        <summary>{t("gift.summary")}</summary>
        <GiftForm course={course} />
      </details>
      <details>
        <summary>{t("seats.summary")}</summary>
        <p className="muted small">{t("seats.hint")}</p>
        <BuySeats
          courseId={course.id}
          unitAmount={course.price.amount}
          currency={course.price.currency}
          submitLabel={t("seats.buy")}
        />
      </details>
    </div>
  );
}

function GiftForm({ course }: { course: Course }) {
  const { t } = useTranslation("shop");
  const { user } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [message, setMessage] = useState("");
  const action = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!user) {
      navigate(`/signin?next=${encodeURIComponent(`/courses/${course.slug}`)}`);
      return;
    }
    const order = await action.run(() =>
      checkoutGift(course.id, { recipient_email: email.trim(), message: message.trim(), coupon: null }),
    );
    if (order) navigate(order.checkout_url);
  }

  return (
    <form className="form" onSubmit={submit}>
      <label>
        {t("gift.email")}
        <input type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        {t("gift.message")} <small className="muted">{t("optional")}</small>
        <textarea rows={3} maxLength={500} value={message} onChange={(e) => setMessage(e.target.value)} />
      </label>
      <p className="muted small">{t("gift.hint", { amount: money(course.price.amount, course.price.currency) })}</p>
      <button className="primary" disabled={action.busy}>
        {t("gift.buy")}
      </button>
      <Notice error={action.error} />
    </form>
  );
}

/** The bundles on sale that include the course, with what each saves. */
export function CourseBundles({ courseId }: { courseId: string }) {
  const { t } = useTranslation("shop");
  const { data } = useLoad(() => courseBundles(courseId), [courseId]);
  if (!data || data.length === 0) return null;
  return (
    <section aria-labelledby="course-bundles" className="card">
      <h2 id="course-bundles">{t("bundle.alsoIn")}</h2>
      <ul className="plain">
        {data.map((b) => (
          <li key={b.id} data-testid="course-bundle">
            <Link to={`/bundles/${b.id}`}>{b.title}</Link>: {t("bundle.coursesFor", { count: b.course_count })}{" "}
            <strong>{money(b.price.amount, b.price.currency)}</strong>
            {b.separate_amount > b.price.amount && (
              <span className="muted">
                {" "}
                {t("bundle.instead", { amount: money(b.separate_amount, b.price.currency) })}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
