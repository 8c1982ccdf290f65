"""Subscription providers behind one small interface: Stripe Subscriptions, or the local
test subscriptions (development only, a ledger in our database: `local.py`)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import stripe

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.errors import AppError, ErrorCode
from coursevault.memberships import errors, local, repo
from coursevault.memberships.derive import InvoiceSnapshot, SubscriptionSnapshot, add_intervals
from coursevault.memberships.models import (
    Interval,
    LocalAction,
    Membership,
    MembershipPlan,
    PlanPrice,
)
from coursevault.payments import errors as payment_errors
from coursevault.payments import providers as payment_providers
from coursevault.payments.models import Provider

log = logging.getLogger("coursevault.memberships")


class NotAtProvider(AppError):
    """The provider does not know this object (an id that is not one of ours)."""

    def __init__(self, object_id: str) -> None:
        super().__init__(
            502,
            ErrorCode.payment_provider_error,
            "The payment provider does not know this object.",
            detail={"reason": f"no such object: {object_id}"[:300]},
        )


@dataclass(frozen=True)
class PayingCustomer:
    """A user's customer at the provider, with the card a new subscription is to charge;
    PREVIOUS_METHOD is the customer's default card before it (given back on a decline)."""

    id: str
    previous_method: str | None = None


@dataclass(frozen=True)
class ChargeOfInvoice:
    """A charge that paid an invoice (a refund's or a dispute's), as re-read."""

    invoice: InvoiceSnapshot
    refunded: bool  # refunded in full


class SubscriptionProvider(Protocol):
    name: Provider
    needs_card: bool  # subscribing needs a payment method from the browser

    async def price_for(self, *, plan: MembershipPlan, interval: Interval, price: PlanPrice) -> str:
        """The provider's price for PLAN's INTERVAL at PRICE, made the first time."""
        ...

    async def customer_for(self, *, user: User, payment_method: str | None) -> PayingCustomer:
        """USER's customer, with PAYMENT_METHOD attached to be charged next."""
        ...

    async def subscribe(
        self, *, membership: Membership, customer: PayingCustomer, price_id: str
    ) -> str:
        """Creates the subscription (Stripe takes the first payment at once, the local test
        page later); returns its id. A decline (`402 card_declined`) leaves none, and the
        customer's default card as it was."""
        ...

    async def subscription(self, *, subscription_id: str) -> SubscriptionSnapshot:
        """The subscription as the provider has it now; NotAtProvider when unknown."""
        ...

    async def subscription_of(self, *, membership: Membership) -> str | None:
        """The subscription the provider made for MEMBERSHIP (found by its metadata), if
        any: for a subscribe whose answer never came back."""
        ...

    async def invoice(self, *, invoice_id: str) -> InvoiceSnapshot: ...

    async def set_cancel_at_period_end(self, *, subscription_id: str, cancel: bool) -> None: ...

    async def cancel_now(self, *, subscription_id: str) -> None:
        """Ends the subscription at once: it bills nothing more."""
        ...


def price_key(interval: Interval, price: PlanPrice) -> str:
    return f"{interval.value}-{price.amount}-{price.currency}"


def metadata_of(membership: Membership) -> dict[str, str]:
    return {
        "membership_id": membership.id,
        "user_id": membership.user_id,
        "plan_id": membership.plan_id,
    }


def stripe_time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) else None


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def stripe_invoice(d: dict[str, Any]) -> InvoiceSnapshot:
    """An invoice as Stripe (or localstripe) sends it: the subscription is top-level in
    older API versions, under `parent.subscription_details` in newer ones."""
    parent = (d.get("parent") or {}).get("subscription_details") or {}
    lines = (d.get("lines") or {}).get("data") or []
    ends = [stripe_time((line.get("period") or {}).get("end")) for line in lines]
    return InvoiceSnapshot(
        id=str(d["id"]),
        subscription_id=_id_of(d.get("subscription")) or _id_of(parent.get("subscription")),
        status=str(d.get("status") or "open"),
        created=stripe_time(d.get("created")) or clock.now(),
        amount=int(d.get("amount_paid") or d.get("amount_due") or d.get("total") or 0),
        currency=str(d.get("currency") or ""),
        period_end=max((end for end in ends if end is not None), default=None),
    )


def stripe_subscription(
    d: dict[str, Any], latest: InvoiceSnapshot | None, *, periods_advance: bool = True
) -> SubscriptionSnapshot:
    items = (d.get("items") or {}).get("data") or [{}]
    item = items[0]
    price = _id_of(item.get("plan")) or _id_of(item.get("price"))
    # Newer API versions moved the period onto the item.
    period_end = d.get("current_period_end") or item.get("current_period_end")
    return SubscriptionSnapshot(
        id=str(d["id"]),
        status=str(d.get("status")),
        price_id=price,
        customer_id=_id_of(d.get("customer")),
        metadata={str(k): str(v) for k, v in (d.get("metadata") or {}).items()},
        start=stripe_time(d.get("start_date")) or stripe_time(d.get("created")) or clock.now(),
        cancel_at_period_end=bool(d.get("cancel_at_period_end")),
        current_period_end=stripe_time(period_end),
        ended_at=stripe_time(d.get("ended_at")) or stripe_time(d.get("canceled_at")),
        latest_invoice=latest,
        periods_advance=periods_advance,
    )


def _missing(exc: stripe.StripeError) -> bool:
    """Stripe's answer for an id it does not know (404 resource_missing)."""
    return isinstance(exc, stripe.InvalidRequestError) and (
        exc.http_status == 404 or exc.code == "resource_missing"
    )


async def _made_once[T](find: Callable[[], Awaitable[T]], make: Callable[[], Awaitable[T]]) -> T:
    """Reads an object of ours by its fixed id, making it when missing; a racing maker
    that wins is read back."""
    try:
        return await find()
    except stripe.InvalidRequestError:
        pass
    try:
        return await make()
    except stripe.StripeError:
        return await find()


class StripeSubscriptions:
    """Stripe Billing: a Product per plan, a (legacy) Plan object per price (localstripe
    knows no Price objects; Stripe accepts a Plan wherever a price goes), a Customer per
    user whose default card is the one of their latest subscribe that went through, and a
    Subscription per membership."""

    name = Provider.stripe
    needs_card = True

    def __init__(self, settings: Settings, db: Database) -> None:
        assert settings.stripe_secret_key is not None
        self.db = db
        self.periods_advance = not settings.stripe_fixed_periods
        self.client = payment_providers.stripe_client(
            settings.stripe_secret_key.get_secret_value(), settings.stripe_api_base
        )

    async def price_for(self, *, plan: MembershipPlan, interval: Interval, price: PlanPrice) -> str:
        key = price_key(interval, price)
        known = plan.stripe_prices.get(key)
        if known is not None:
            return known
        v1 = self.client.v1
        product_id = f"coursevault-{plan.id}"
        price_id = f"coursevault-{plan.id}-{key}"
        try:
            await _made_once(
                lambda: v1.products.retrieve_async(product_id),
                lambda: v1.products.create_async(params={"id": product_id, "name": plan.title}),
            )
            await _made_once(
                lambda: v1.plans.retrieve_async(price_id),
                lambda: v1.plans.create_async(
                    params={
                        "id": price_id,
                        "amount": price.amount,
                        "currency": price.currency,
                        "interval": interval.value,
                        "product": product_id,
                    }
                ),
            )
        except stripe.StripeError as exc:
            raise payment_errors.provider_error(exc) from exc
        await repo.set_stripe_ids(
            db=self.db, plan_id=plan.id, product=product_id, price_key=key, price_id=price_id
        )
        return price_id

    async def customer_for(self, *, user: User, payment_method: str | None) -> PayingCustomer:
        """USER's Customer with PAYMENT_METHOD attached and made its default, so that the
        subscription's first invoice charges it (localstripe refuses a subscription's own
        `default_payment_method`); the default before it is kept to be given back if
        that payment is declined, so a card declined for one plan never becomes the card
        another plan's renewals charge."""
        if payment_method is None:
            raise errors.payment_method_required()
        v1 = self.client.v1
        known = await repo.customer_of(db=self.db, user_id=user.id, provider=self.name)
        try:
            if known is None:
                created = await v1.customers.create_async(
                    params={
                        "email": user.email,
                        "metadata": {"user_id": user.id},
                        "payment_method": payment_method,
                        "invoice_settings": {"default_payment_method": payment_method},
                    }
                )
                stored = await repo.keep_customer(
                    db=self.db, user_id=user.id, provider=self.name, customer_id=created.id
                )
                if stored == created.id:
                    return PayingCustomer(id=stored)
                known = stored  # a racing subscribe stored another: use that one
            customer = (await v1.customers.retrieve_async(known)).to_dict()
            settings = customer.get("invoice_settings") or {}
            previous = _id_of(settings.get("default_payment_method"))
            await v1.payment_methods.attach_async(payment_method, params={"customer": known})
            await v1.customers.update_async(
                known, params={"invoice_settings": {"default_payment_method": payment_method}}
            )
        except stripe.CardError as exc:
            raise errors.card_declined(str(exc.user_message or exc)) from exc
        except stripe.StripeError as exc:
            raise payment_errors.provider_error(exc) from exc
        return PayingCustomer(id=known, previous_method=previous)

    async def _give_back_default(self, customer: PayingCustomer) -> None:
        """After a declined first payment: the customer's default card is the one it was
        (none for a customer made just now)."""
        try:
            await self.client.v1.customers.update_async(
                customer.id,
                params={
                    "invoice_settings": {"default_payment_method": customer.previous_method or ""}
                },
            )
        except stripe.StripeError:
            log.exception("customer %s: default card not given back", customer.id)

    async def subscribe(
        self, *, membership: Membership, customer: PayingCustomer, price_id: str
    ) -> str:
        try:
            created = await self.client.v1.subscriptions.create_async(
                params={
                    "customer": customer.id,
                    "items": [{"plan": price_id}],
                    "metadata": metadata_of(membership),
                    # Declined or needing authentication: no subscription, a 402 now.
                    "payment_behavior": "error_if_incomplete",
                },
                options={"idempotency_key": f"coursevault-membership-{membership.id}"},
            )
        except stripe.CardError as exc:
            await self._give_back_default(customer)
            raise errors.card_declined(str(exc.user_message or exc)) from exc
        except stripe.StripeError as exc:
            # Not a decline: Stripe may have made it (a timeout after it did). The
            # membership stays pending; the subscription's events adopt it.
            raise payment_errors.provider_error(exc) from exc
        if created.status == "incomplete":
            # Its first payment did not go through (localstripe answers so where Stripe
            # answers 402): nothing is left open to be paid later by surprise.
            try:
                await self.client.v1.subscriptions.cancel_async(created.id)
            except stripe.StripeError:
                log.warning("incomplete subscription %s not cancelled", created.id)
            await self._give_back_default(customer)
            raise errors.card_declined("the first payment did not go through")
        return str(created.id)

    async def subscription(self, *, subscription_id: str) -> SubscriptionSnapshot:
        try:
            found = await self.client.v1.subscriptions.retrieve_async(subscription_id)
            d = found.to_dict()
            latest_id = _id_of(d.get("latest_invoice"))
            latest = await self.invoice(invoice_id=latest_id) if latest_id else None
        except stripe.StripeError as exc:
            if _missing(exc):
                raise NotAtProvider(subscription_id) from exc
            raise payment_errors.provider_error(exc) from exc
        return stripe_subscription(d, latest, periods_advance=self.periods_advance)

    async def subscription_of(self, *, membership: Membership) -> str | None:
        if membership.provider_customer_id is None:
            return None  # its subscribe never reached the subscription
        try:
            found = await self.client.v1.subscriptions.list_async(
                params={"customer": membership.provider_customer_id, "status": "all"}
            )
            subscriptions = [sub.to_dict() for sub in found.data]
        except stripe.StripeError as exc:
            if _missing(exc):
                return None
            raise payment_errors.provider_error(exc) from exc
        for sub in subscriptions:
            if (sub.get("metadata") or {}).get("membership_id") == membership.id:
                return str(sub["id"])
        return None

    async def invoice(self, *, invoice_id: str) -> InvoiceSnapshot:
        try:
            found = await self.client.v1.invoices.retrieve_async(invoice_id)
        except stripe.StripeError as exc:
            if _missing(exc):
                raise NotAtProvider(invoice_id) from exc
            raise payment_errors.provider_error(exc) from exc
        return stripe_invoice(found.to_dict())

    async def charge_of_invoice(self, *, charge_id: str) -> ChargeOfInvoice | None:
        """The invoice CHARGE_ID paid, re-read with the charge (None: a charge Stripe does
        not know, or not an invoice's). Older API versions name the invoice on the charge
        or its PaymentIntent (localstripe on the PaymentIntent); newer ones list it among
        the invoice's payments."""
        v1 = self.client.v1
        try:
            charge = (await v1.charges.retrieve_async(charge_id)).to_dict()
            invoice_id = _id_of(charge.get("invoice"))
            intent_id = _id_of(charge.get("payment_intent"))
            if invoice_id is None and intent_id is not None:
                intent = (await v1.payment_intents.retrieve_async(intent_id)).to_dict()
                invoice_id = _id_of(intent.get("invoice"))
            if invoice_id is None and intent_id is not None:
                invoice_id = await self._invoice_paid_by(intent_id)
            if invoice_id is None:
                return None
            invoice = await self.invoice(invoice_id=invoice_id)
        except NotAtProvider:
            return None
        except stripe.StripeError as exc:
            if _missing(exc):
                return None
            raise payment_errors.provider_error(exc) from exc
        return ChargeOfInvoice(invoice=invoice, refunded=bool(charge.get("refunded")))

    async def _invoice_paid_by(self, intent_id: str) -> str | None:
        try:
            found = await self.client.v1.invoice_payments.list_async(
                params={"payment": {"type": "payment_intent", "payment_intent": intent_id}}
            )
        except stripe.InvalidRequestError:
            return None  # an API (or emulator) without invoice payments
        for payment in found.data:
            invoice_id = _id_of(payment.to_dict().get("invoice"))
            if invoice_id is not None:
                return invoice_id
        return None

    async def set_cancel_at_period_end(self, *, subscription_id: str, cancel: bool) -> None:
        try:
            await self.client.v1.subscriptions.update_async(
                subscription_id, params={"cancel_at_period_end": cancel}
            )
        except stripe.StripeError as exc:
            raise payment_errors.provider_error(exc) from exc

    async def cancel_now(self, *, subscription_id: str) -> None:
        try:
            await self.client.v1.subscriptions.cancel_async(subscription_id)
        except stripe.StripeError as exc:
            found = await self.subscription(subscription_id=subscription_id)
            if found.status in ("canceled", "incomplete_expired"):
                return  # ended already (a racing cancel, or Stripe's own)
            raise payment_errors.provider_error(exc) from exc


# ---- the local test subscriptions -------------------------------------------------------


def local_invoice(sub: Document, inv: Document) -> InvoiceSnapshot:
    return InvoiceSnapshot(
        id=inv["id"],
        subscription_id=sub["_id"],
        status=inv["status"],
        created=inv["created"],
        amount=inv["amount"],
        currency=inv["currency"],
        period_end=inv["period_end"],
    )


def local_snapshot(sub: Document) -> SubscriptionSnapshot:
    invoices = sub["invoices"]
    return SubscriptionSnapshot(
        id=sub["_id"],
        status=sub["status"],
        price_id=sub["price_id"],
        customer_id=sub["customer"],
        metadata=sub["metadata"],
        start=sub["start"],
        cancel_at_period_end=sub["cancel_at_period_end"],
        current_period_end=sub["current_period_end"],
        ended_at=sub["ended_at"],
        latest_invoice=local_invoice(sub, invoices[-1]) if invoices else None,
    )


class LocalSubscriptions:
    """The test checkout's subscriptions: a ledger in the database, billed like Stripe
    (an invoice per period, the period moving on at each renewal), whose payments the
    test page (or a test) settles through `local.simulate`."""

    name = Provider.local
    needs_card = False

    def __init__(self, db: Database) -> None:
        self.db = db

    async def price_for(self, *, plan: MembershipPlan, interval: Interval, price: PlanPrice) -> str:
        return f"local-{plan.id}-{price_key(interval, price)}"

    async def customer_for(self, *, user: User, payment_method: str | None) -> PayingCustomer:
        return PayingCustomer(id=f"local-{user.id}")

    async def subscribe(
        self, *, membership: Membership, customer: PayingCustomer, price_id: str
    ) -> str:
        now = clock.now()
        subscription_id = f"lsub_{secrets.token_hex(12)}"
        await repo.insert_local_subscription(
            db=self.db,
            doc={
                "_id": subscription_id,
                "customer": customer.id,
                "price_id": price_id,
                "interval": membership.interval.value,
                "amount": membership.amount,
                "currency": membership.currency,
                "status": "incomplete",  # until the test page pays the first invoice
                "cancel_at_period_end": False,
                "start": now,
                "current_period_end": add_intervals(now, membership.interval, 1),
                "ended_at": None,
                "metadata": metadata_of(membership),
                "invoices": [
                    {
                        "id": f"{subscription_id}-in1",
                        "created": now,
                        "status": "open",
                        "amount": membership.amount,
                        "currency": membership.currency,
                        "period_end": add_intervals(now, membership.interval, 1),
                    }
                ],
                "events": [],
                "version": 0,
            },
        )
        return subscription_id

    async def _get(self, subscription_id: str) -> Document:
        found = await repo.get_local_subscription(db=self.db, subscription_id=subscription_id)
        if found is None:
            raise NotAtProvider(subscription_id)
        return found

    async def subscription_of(self, *, membership: Membership) -> str | None:
        found = await repo.local_subscription_of(db=self.db, membership_id=membership.id)
        return None if found is None else str(found["_id"])

    async def subscription(self, *, subscription_id: str) -> SubscriptionSnapshot:
        return local_snapshot(await self._get(subscription_id))

    async def invoice(self, *, invoice_id: str) -> InvoiceSnapshot:
        sub = await self._get(invoice_id.rsplit("-in", 1)[0])
        for inv in sub["invoices"]:
            if inv["id"] == invoice_id:
                return local_invoice(sub, inv)
        raise NotAtProvider(invoice_id)

    async def set_cancel_at_period_end(self, *, subscription_id: str, cancel: bool) -> None:
        await local.set_cancelling(db=self.db, subscription_id=subscription_id, cancel=cancel)

    async def cancel_now(self, *, subscription_id: str) -> None:
        # Its events are on the ledger; the caller reads the subscription back.
        await local.simulate(db=self.db, subscription_id=subscription_id, action=LocalAction.delete)


def for_new_membership(settings: Settings, db: Database) -> SubscriptionProvider:
    """Stripe when configured, else (development only) the local test subscriptions."""
    if payment_providers.stripe_configured(settings):
        return StripeSubscriptions(settings, db)
    if not settings.is_development:
        raise payment_errors.payments_not_configured()
    return LocalSubscriptions(db)


def of_membership(settings: Settings, db: Database, membership: Membership) -> SubscriptionProvider:
    if membership.provider is Provider.stripe:
        if not payment_providers.stripe_configured(settings):
            raise payment_errors.stripe_not_configured()
        return StripeSubscriptions(settings, db)
    return LocalSubscriptions(db)


def stripe_configured(settings: Settings) -> bool:
    return payment_providers.stripe_configured(settings)


def checkout_provider(settings: Settings) -> Provider | None:
    """How new members pay on this site (None: nobody can subscribe)."""
    if stripe_configured(settings):
        return Provider.stripe
    return Provider.local if settings.is_development else None
