"""Stripe's events, once verified (payments/signature.py): stored by id, then applied.

Grants re-read the PaymentIntent through `service.fulfill` (P3); refunds and disputes are
recorded as facts, so the order of events never matters (P4).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.payments import repo, service

log = logging.getLogger("coursevault.payments")


class EventHook(Protocol):
    """A feature above payments that takes some of Stripe's events (memberships: those of
    subscriptions and invoices); True when it took EVENT, which payments then leaves."""

    async def __call__(
        self, *, db: Database, settings: Settings, event: dict[str, Any]
    ) -> bool: ...


# Payments cannot import the features above it: the wiring floor hands their hooks over
# (`routers.STRIPE_EVENT_HOOKS`, `routers.STRIPE_UNMATCHED_HOOKS`), as it hands media its
# ready hooks.
_hooks: list[EventHook] = []
_unmatched: list[EventHook] = []


def on_event(hooks: Sequence[EventHook], unmatched: Sequence[EventHook] = ()) -> None:
    """Sets who is offered each verified event before payments looks for its order, and
    who is offered the events no order claims (memberships: the refunds and disputes of
    subscription invoices' charges)."""
    _hooks[:] = hooks
    _unmatched[:] = unmatched


async def _order_for(*, db: Database, obj: dict[str, Any]) -> Document | None:
    """Finds the order an event's object is about (a PaymentIntent, charge or dispute)."""
    intent = obj.get("payment_intent") if obj.get("object") != "payment_intent" else obj["id"]
    if isinstance(intent, dict):
        intent = intent.get("id")
    if isinstance(intent, str):
        found = await repo.order_by_payment(db=db, payment_id=intent)
        if found is not None:
            return found
    charge = obj.get("charge") if obj.get("object") != "charge" else obj["id"]
    if isinstance(charge, str):
        return await repo.order_by_charge(db=db, charge_id=charge)
    return None


async def handle_event(*, db: Database, settings: Settings, event: dict[str, Any]) -> None:
    """Applies one verified Stripe event. Grants always re-read the PaymentIntent (P3);
    revocations trust the signed event, so they need no call back to Stripe."""
    for hook in _hooks:
        if await hook(db=db, settings=settings, event=event):
            return
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    order = await _order_for(db=db, obj=obj)
    if order is None:
        for hook in _unmatched:
            if await hook(db=db, settings=settings, event=event):
                return
        log.info("stripe event %s (%s) is not about one of our orders", event["id"], kind)
        return
    if kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        failed = kind == "payment_intent.payment_failed"
        await service.fulfill(db=db, settings=settings, order=order, failed_attempt=failed)
    elif kind == "charge.refunded" and obj.get("refunded"):
        await service.mark_refunded(db=db, settings=settings, order=order)
    elif kind.startswith("charge.dispute.") and isinstance(obj.get("id"), str):
        status = str(obj.get("status") or "needs_response")
        if kind == "charge.dispute.closed" and status not in ("won", "lost", "warning_closed"):
            status = "lost"
        await service.record_dispute(
            db=db, settings=settings, order=order, dispute_id=obj["id"], status=status
        )


async def receive_webhook(*, db: Database, settings: Settings, event: dict[str, Any]) -> bool:
    """Stores the event under its id before it is applied (P2); False for a duplicate.

    A duplicate of an event whose handling was interrupted is applied again (handling is
    idempotent), so a crash between storing and applying loses nothing.
    """
    first = await repo.store_event(
        db=db, event_id=event["id"], kind=str(event.get("type")), payload=event
    )
    if not first and await repo.event_processed(db=db, event_id=event["id"]):
        return False
    await handle_event(db=db, settings=settings, event=event)
    await repo.mark_processed(db=db, event_id=event["id"])
    return first
