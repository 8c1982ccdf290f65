import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { money, type Schemas } from "../../api/client";
import { checkoutGift, courseBundles } from "../../api/sales";
import { useAuth } from "../../auth";
import { BuySeats } from "../../components/BuySeats";
import { Notice, useAction, useLoad } from "../../components/ui";

type Course = Schemas["CourseRead"];

/** What else a paid course's page sells: the course as a gift, seats for a team. */
export function SaleOptions({ course }: { course: Course }) {
  return (
    <div className="sale-options">
      <details>
        <summary>Give as a gift</summary>
        <GiftForm course={course} />
      </details>
      <details>
        <summary>Buy for a team</summary>
        <p className="muted small">You hand the seats out by email; you can give a seat to someone else later.</p>
        <BuySeats
          courseId={course.id}
          unitAmount={course.price.amount}
          currency={course.price.currency}
          submitLabel="Buy seats"
        />
      </details>
    </div>
  );
}

function GiftForm({ course }: { course: Course }) {
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
        Recipient’s email
        <input type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label>
        Message <small className="muted">(optional)</small>
        <textarea rows={3} maxLength={500} value={message} onChange={(e) => setMessage(e.target.value)} />
      </label>
      <p className="muted small">
        We email them a link to claim it once you have paid {money(course.price.amount, course.price.currency)}.
      </p>
      <button className="primary" disabled={action.busy}>
        Buy as a gift
      </button>
      <Notice error={action.error} />
    </form>
  );
}

/** The bundles on sale that include the course, with what each saves. */
export function CourseBundles({ courseId }: { courseId: string }) {
  const { data } = useLoad(() => courseBundles(courseId), [courseId]);
  if (!data || data.length === 0) return null;
  return (
    <section aria-labelledby="course-bundles" className="card">
      <h2 id="course-bundles">Also in a bundle</h2>
      <ul className="plain">
        {data.map((b) => (
          <li key={b.id} data-testid="course-bundle">
            <Link to={`/bundles/${b.id}`}>{b.title}</Link>: {b.course_count} courses for{" "}
            <strong>{money(b.price.amount, b.price.currency)}</strong>
            {b.separate_amount > b.price.amount && (
              <span className="muted"> (instead of {money(b.separate_amount, b.price.currency)} separately)</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
