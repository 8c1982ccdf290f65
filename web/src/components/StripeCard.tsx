import { useEffect, useRef, useState } from "react";
import i18n from "../i18n";

const t = i18n.getFixedT(null, "shop");

// Stripe.js, loaded from the URL the server names (a setting) only where a card is asked
// for. Its card element makes a PaymentMethod; the server subscribes with its id (the
// card number never reaches us). Typed here for what we use of it.
interface CardElement {
  mount(el: HTMLElement): void;
  destroy(): void;
}
interface StripeForCards {
  elements(): { create(kind: "card"): CardElement };
  createPaymentMethod(data: {
    type: "card";
    card: CardElement;
  }): Promise<{ paymentMethod?: { id: string }; error?: { message?: string } }>;
}
type StripeFactory = (key: string) => StripeForCards;

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const present = document.querySelector<HTMLScriptElement>(`script[src="${src}"]`);
    if (present && (window as unknown as { Stripe?: StripeFactory }).Stripe) return resolve();
    const script = present ?? document.createElement("script");
    script.addEventListener("load", () => resolve());
    script.addEventListener("error", () => reject(new Error(t("stripe.loadFailed"))));
    if (!present) {
      script.src = src;
      document.head.appendChild(script);
    }
  });
}

/** A Stripe card element mounted in the returned ref's element; `paymentMethod()` turns
 * the card typed there into a PaymentMethod id (or throws Stripe's message). */
export function useStripeCard(jsUrl: string | null | undefined, publishableKey: string | null | undefined) {
  const mount = useRef<HTMLDivElement>(null);
  const card = useRef<CardElement | null>(null);
  const stripe = useRef<StripeForCards | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    if (!jsUrl || !publishableKey) return;
    loadScript(jsUrl)
      .then(() => {
        const factory = (window as unknown as { Stripe?: StripeFactory }).Stripe;
        if (cancelled || !factory || !mount.current) return;
        stripe.current = factory(publishableKey);
        card.current = stripe.current.elements().create("card");
        card.current.mount(mount.current);
        setReady(true);
      })
      .catch((e: unknown) => setError(e));
    return () => {
      cancelled = true;
      card.current?.destroy();
      card.current = null;
    };
  }, [jsUrl, publishableKey]);

  async function paymentMethod(): Promise<string> {
    if (!stripe.current || !card.current) throw new Error(t("stripe.notReady"));
    const result = await stripe.current.createPaymentMethod({ type: "card", card: card.current });
    if (result.error || !result.paymentMethod) throw new Error(result.error?.message ?? t("stripe.unreadable"));
    return result.paymentMethod.id;
  }

  return { mount, ready, error, paymentMethod };
}
