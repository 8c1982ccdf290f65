import { useEffect, useRef, useState } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, money, unwrap, type Schemas } from "../api/client";
import { myTeams } from "../api/sales";
import { Loading, Notice, useAction, useLoad } from "../components/ui";

type Order = Schemas["OrderRead"];

// Stripe.js is loaded from the URL the server names (a setting), only on this page.
interface StripeCard {
  mount(el: HTMLElement): void;
  destroy(): void;
}
interface StripeJs {
  elements(): { create(kind: "card"): StripeCard };
  confirmCardPayment(
    secret: string,
    data: { payment_method: { card: StripeCard } },
  ): Promise<{ error?: { message?: string } }>;
}
declare global {
  interface Window {
    Stripe?: (key: string) => StripeJs;
  }
}

function loadScript(src: string, failed: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (document.querySelector(`script[src="${src}"]`)) return resolve();
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(failed));
    document.head.appendChild(script);
  });
}

export function Checkout() {
  const { t } = useTranslation("shop");
  const { orderId = "" } = useParams();
  const {
    data: order,
    error,
    setData,
  } = useLoad(() => unwrap(api.GET("/api/orders/{order_id}", { params: { path: { order_id: orderId } } })), [orderId]);
  const action = useAction();

  if (!order)
    return error ? (
      <main className="narrow">
        <Notice error={error} />
      </main>
    ) : (
      <Loading />
    );

  async function payLocally(outcome: "succeed" | "decline") {
    const updated = await action.run(() =>
      unwrap(
        api.POST("/api/payments/local/{order_id}/complete", {
          params: { path: { order_id: orderId } },
          body: { outcome },
        }),
      ),
    );
    if (updated) setData(updated);
  }

  return (
    <main className="narrow">
      <h1>{t("checkout.title")}</h1>
      <div className="card">
        <h2>{orderTitle(order, t)}</h2>
        <p className="price">
          {money(order.amount, order.currency)}
          {order.amount !== order.list_amount && <s className="muted"> {money(order.list_amount, order.currency)}</s>}
        </p>
        {order.state === "paid" ? (
          <Paid order={order} />
        ) : order.state === "refunded" || order.state === "disputed" ? (
          <Notice>{order.state === "refunded" ? t("checkout.refunded") : t("checkout.disputed")}</Notice>
        ) : order.provider === "local" ? (
          <>
            <Notice kind="info">
              <strong>{t("checkout.testTitle")}</strong> {t("checkout.testText")}
            </Notice>
            {order.state === "failed" && <Notice>{t("checkout.declined")}</Notice>}
            <div className="row">
              <button className="primary" disabled={action.busy} onClick={() => payLocally("succeed")}>
                {t("checkout.payTest", { amount: money(order.amount, order.currency) })}
              </button>
              <button disabled={action.busy} onClick={() => payLocally("decline")}>
                {t("checkout.decline")}
              </button>
            </div>
          </>
        ) : (
          <StripeForm order={order} onPaid={setData} />
        )}
        <Notice error={action.error} />
      </div>
    </main>
  );
}

/** What the order buys, as its heading says it. */
function orderTitle(order: Order, t: TFunction<"shop">): string {
  switch (order.kind) {
    case "bundle":
      return t("checkout.bundle", { title: order.course_title });
    case "gift":
      return order.recipient_email
        ? t("checkout.giftFor", { title: order.course_title, email: order.recipient_email })
        : t("checkout.gift", { title: order.course_title });
    case "seats":
      return t("checkout.seats", { title: order.course_title, count: order.quantity ?? 0 });
    default:
      return order.course_title;
  }
}

/** A paid order: what happens now, and where to go, by its kind (seats: their team). */
function Paid({ order }: { order: Order }) {
  const { t } = useTranslation("shop");
  const { data: teams, loading } = useLoad(async () => (order.kind === "seats" ? myTeams() : []), [order.kind]);
  const team = teams?.find((t) => t.course_id === order.course_id);
  const [message, to, label] =
    order.kind === "bundle"
      ? [t("paid.bundle"), "/my", t("paid.myLearning")]
      : order.kind === "gift"
        ? [t("paid.gift", { email: order.recipient_email }), "/my/gifts", t("paid.gifts")]
        : order.kind === "seats"
          ? [t("paid.seats", { count: order.quantity ?? 0 }), team ? `/teams/${team.id}` : "/my/teams", t("paid.team")]
          : [t("paid.course"), `/courses/${order.course_id}`, t("paid.toCourse")];
  return (
    <>
      <Notice kind="success">{message}</Notice>
      {/* The team's own page, not the list, once we know which team the seats went to. */}
      {!loading && (
        <Link className="button primary" to={to}>
          {label}
        </Link>
      )}
    </>
  );
}

function StripeForm({ order, onPaid }: { order: Order; onPaid: (order: Order) => void }) {
  const { t } = useTranslation("shop");
  const mount = useRef<HTMLDivElement>(null);
  const card = useRef<StripeCard | null>(null);
  const stripe = useRef<StripeJs | null>(null);
  const [ready, setReady] = useState(false);
  const action = useAction();

  useEffect(() => {
    let cancelled = false;
    if (!order.stripe_js_url || !order.publishable_key) return;
    loadScript(order.stripe_js_url, t("stripe.loadFailed"))
      .then(() => {
        if (cancelled || !window.Stripe || !mount.current) return;
        stripe.current = window.Stripe(order.publishable_key!);
        card.current = stripe.current.elements().create("card");
        card.current.mount(mount.current);
        setReady(true);
      })
      .catch((e) => action.setError(e));
    return () => {
      cancelled = true;
      card.current?.destroy();
    };
  }, [order.stripe_js_url, order.publishable_key, action, t]);

  async function pay() {
    await action.run(async () => {
      const result = await stripe.current!.confirmCardPayment(order.client_secret!, {
        payment_method: { card: card.current! },
      });
      if (result.error) throw new Error(result.error.message ?? t("stripe.failed"));
      // Access is granted by the server once it has re-read the payment from Stripe.
      for (let i = 0; i < 30; i++) {
        const current = await unwrap(api.GET("/api/orders/{order_id}", { params: { path: { order_id: order.id } } }));
        if (current.state !== "pending" || i === 29) return onPaid(current);
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
  }

  return (
    <>
      <div ref={mount} className="card-input" aria-label={t("stripe.card")} />
      <button className="primary" disabled={!ready || action.busy} onClick={pay}>
        {action.busy ? t("stripe.busy") : t("stripe.pay", { amount: money(order.amount, order.currency) })}
      </button>
      <Notice error={action.error} />
    </>
  );
}
