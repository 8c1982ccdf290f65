"""Payment providers behind one small interface: Stripe, or the local test checkout."""

from __future__ import annotations

import asyncio
import secrets
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

import stripe

from coursevault import clock
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.payments import errors, repo
from coursevault.payments.models import Provider


@dataclass(frozen=True)
class CreatedPayment:
    id: str
    client_secret: str | None


@dataclass(frozen=True)
class PaymentState:
    """A payment as the provider reports it when re-read (P3), never as a client says."""

    id: str
    status: str  # Stripe's PaymentIntent statuses; "succeeded" is the only paid one
    amount: int
    currency: str
    metadata: dict[str, str] = field(default_factory=dict)
    charge_id: str | None = None


class PaymentProvider(Protocol):
    name: Provider

    async def create(self, *, order: Document, idempotency_key: str) -> CreatedPayment: ...

    async def retrieve(self, *, payment_id: str) -> PaymentState: ...

    async def refund(self, *, payment_id: str, idempotency_key: str) -> None: ...


def metadata_of(order: Document) -> dict[str, str]:
    """What the provider's payment carries about ORDER, checked again when it is re-read
    (P3): the order, the buyer and what was bought (a course order's as before kinds)."""
    metadata = {"order_id": order["_id"], "user_id": order["user_id"]}
    if order.get("course_id") is not None:
        metadata["course_id"] = order["course_id"]
    kind = order.get("kind") or "course"
    if kind != "course":
        metadata["kind"] = kind
        if order.get("bundle_id") is not None:
            metadata["bundle_id"] = order["bundle_id"]
        if order.get("quantity") is not None:
            metadata["quantity"] = str(order["quantity"])
    return metadata


def _strings(metadata: stripe.StripeObject | None) -> dict[str, str]:
    return {str(key): str(value) for key, value in (metadata.to_dict() if metadata else {}).items()}


# One client (and its connection pool) per event loop: an httpx pool cannot outlive the
# loop it was made on, and a worker process has one loop for its whole life.
_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str | None], stripe.StripeClient]
] = weakref.WeakKeyDictionary()


def stripe_client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    client = per_loop.get((api_key, api_base))
    if client is None:
        client = per_loop[(api_key, api_base)] = stripe.StripeClient(
            api_key,
            http_client=stripe.HTTPXClient(),
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
        )
    return client


class StripeProvider:
    """A PaymentIntent per order; the browser confirms it with Stripe.js."""

    name = Provider.stripe

    def __init__(self, settings: Settings) -> None:
        assert settings.stripe_secret_key is not None
        self.client = stripe_client(
            settings.stripe_secret_key.get_secret_value(), settings.stripe_api_base
        )

    async def create(self, *, order: Document, idempotency_key: str) -> CreatedPayment:
        try:
            intent = await self.client.v1.payment_intents.create_async(
                params={
                    "amount": order["amount"],
                    "currency": order["currency"],
                    "metadata": metadata_of(order),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise errors.provider_error(exc) from exc
        return CreatedPayment(id=intent.id, client_secret=intent.client_secret)

    async def retrieve(self, *, payment_id: str) -> PaymentState:
        try:
            intent = await self.client.v1.payment_intents.retrieve_async(payment_id)
        except stripe.StripeError as exc:
            raise errors.provider_error(exc) from exc
        charge: Any = getattr(intent, "latest_charge", None)
        return PaymentState(
            id=intent.id,
            status=intent.status,
            amount=intent.amount,
            currency=intent.currency,
            metadata=_strings(intent.metadata),
            charge_id=charge if isinstance(charge, str) or charge is None else charge["id"],
        )

    async def refund(self, *, payment_id: str, idempotency_key: str) -> None:
        try:
            refund = await self.client.v1.refunds.create_async(
                params={"payment_intent": payment_id},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise errors.provider_error(exc) from exc
        if refund.status not in ("succeeded", "pending"):
            raise errors.provider_error(RuntimeError(f"refund status {refund.status}"))


class LocalProvider:
    """The test checkout: a ledger in the database that a test page completes."""

    name = Provider.local

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, order: Document, idempotency_key: str) -> CreatedPayment:
        payment_id = f"lp_{secrets.token_hex(12)}"
        await repo.insert_local_payment(
            db=self.db,
            doc={
                "_id": payment_id,
                "amount": order["amount"],
                "currency": order["currency"],
                "metadata": metadata_of(order),
                "status": "requires_payment_method",
                "refunded": False,
                "idempotency_key": idempotency_key,
                "created_at": clock.now(),
            },
        )
        return CreatedPayment(id=payment_id, client_secret=None)

    async def retrieve(self, *, payment_id: str) -> PaymentState:
        doc = await repo.get_local_payment(db=self.db, payment_id=payment_id)
        if doc is None:
            raise errors.provider_error(LookupError(payment_id))
        return PaymentState(
            id=doc["_id"],
            status=doc["status"],
            amount=doc["amount"],
            currency=doc["currency"],
            metadata=doc["metadata"],
            charge_id=None,
        )

    async def settle(self, *, payment_id: str, succeed: bool) -> bool:
        """Completes or declines an open test payment; False if it was not open."""
        status = "succeeded" if succeed else "requires_payment_method"
        done = await repo.update_local_payment(
            db=self.db,
            payment_id=payment_id,
            expect={"status": "requires_payment_method"},
            fields={"status": status, "settled_at": clock.now()},
        )
        return done is not None

    async def refund(self, *, payment_id: str, idempotency_key: str) -> None:
        await repo.update_local_payment(
            db=self.db, payment_id=payment_id, expect={}, fields={"refunded": True}
        )


def stripe_configured(settings: Settings) -> bool:
    return settings.stripe_secret_key is not None


def for_new_order(settings: Settings, db: Database) -> PaymentProvider:
    """The provider new orders use: Stripe when configured, else the local test checkout."""
    if stripe_configured(settings):
        return StripeProvider(settings)
    if not settings.is_development:
        raise errors.payments_not_configured()
    return LocalProvider(db)


def of_order(settings: Settings, db: Database, order: Document) -> PaymentProvider:
    """The provider that took ORDER's payment."""
    if order["provider"] == Provider.stripe:
        if not stripe_configured(settings):
            raise errors.stripe_not_configured()
        return StripeProvider(settings)
    return LocalProvider(db)
