"""What the local test checkout simulates on a test subscription (development only):
the first payment or its decline, renewals that succeed or fail, recovery, a cancellation
made at the provider, deletion. Each change emits the events Stripe would send, recorded
on the ledger (a log tests replay) and handed to the same handler as Stripe's."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from coursevault import clock
from coursevault.database.db import Database, Document
from coursevault.memberships import errors, repo
from coursevault.memberships.derive import ProviderEvent, add_intervals
from coursevault.memberships.models import Interval, LocalAction

OPEN, PAID = "open", "paid"
# The states each action starts from.
ALLOWED: dict[LocalAction, tuple[str, ...]] = {
    LocalAction.pay: ("incomplete",),
    LocalAction.decline: ("incomplete", "past_due"),
    LocalAction.renew: ("active",),
    LocalAction.fail_renewal: ("active",),
    LocalAction.recover: ("past_due",),
    LocalAction.cancel_at_period_end: ("active", "past_due"),
    LocalAction.delete: ("incomplete", "active", "past_due"),
}


def _event(sub: Document, kind: str, now: datetime, invoice_id: str | None = None) -> Document:
    return {
        "id": f"evt_local_{secrets.token_hex(8)}",
        "kind": kind,
        "subscription_id": sub["_id"],
        "invoice_id": invoice_id,
        "created": now,
    }


def as_event(doc: Document) -> ProviderEvent:
    return ProviderEvent(
        id=doc["id"],
        kind=doc["kind"],
        subscription_id=doc["subscription_id"],
        invoice_id=doc["invoice_id"],
        created=doc["created"],
    )


def _paid(sub: Document, invoice: Document, now: datetime) -> list[Document]:
    invoice["status"] = PAID
    return [
        _event(sub, "invoice.payment_succeeded", now, invoice["id"]),
        _event(sub, "invoice.paid", now, invoice["id"]),
    ]


def _next_invoice(sub: Document, now: datetime) -> Document:
    """The invoice of the next period; the subscription's period moves on, as on Stripe."""
    interval = Interval(sub["interval"])
    period_end = add_intervals(sub["current_period_end"], interval, 1)
    invoice = {
        "id": f"{sub['_id']}-in{len(sub['invoices']) + 1}",
        "created": now,
        "status": OPEN,
        "amount": sub["amount"],
        "currency": sub["currency"],
        "period_end": period_end,
    }
    sub["invoices"].append(invoice)
    sub["current_period_end"] = period_end
    return invoice


def _apply(sub: Document, action: LocalAction, now: datetime) -> list[Document]:
    """Changes SUB (a ledger document) as ACTION does; returns the events it emits."""
    open_ = [inv for inv in sub["invoices"] if inv["status"] == OPEN]
    updated = _event(sub, "customer.subscription.updated", now)
    if action in (LocalAction.pay, LocalAction.recover):
        sub["status"] = "active"
        return [event for inv in open_ for event in _paid(sub, inv, now)] + [updated]
    if action is LocalAction.decline:
        return [_event(sub, "invoice.payment_failed", now, open_[-1]["id"])]
    if action is LocalAction.renew:
        invoice = _next_invoice(sub, now)
        return [_event(sub, "invoice.created", now, invoice["id"]), *_paid(sub, invoice, now)]
    if action is LocalAction.fail_renewal:
        invoice = _next_invoice(sub, now)
        sub["status"] = "past_due"
        return [
            _event(sub, "invoice.created", now, invoice["id"]),
            _event(sub, "invoice.payment_failed", now, invoice["id"]),
            updated,
        ]
    if action is LocalAction.cancel_at_period_end:
        sub["cancel_at_period_end"] = True
        return [updated]
    sub["status"], sub["ended_at"] = "canceled", now
    return [_event(sub, "customer.subscription.deleted", now)]


async def simulate(
    *, db: Database, subscription_id: str, action: LocalAction
) -> list[ProviderEvent]:
    """Applies ACTION to a test subscription; 409 when its state does not allow it."""
    sub = await repo.get_local_subscription(db=db, subscription_id=subscription_id)
    if sub is None:
        raise errors.membership_not_found()
    open_ = any(inv["status"] == OPEN for inv in sub["invoices"])
    needs_open = action in (LocalAction.pay, LocalAction.decline, LocalAction.recover)
    # A subscription cancelling at its period end is not invoiced again (Stripe ends it).
    renewal = action in (LocalAction.renew, LocalAction.fail_renewal)
    if (
        sub["status"] not in ALLOWED[action]
        or (needs_open and not open_)
        or (renewal and sub["cancel_at_period_end"])
    ):
        cancelling = renewal and sub["cancel_at_period_end"]
        state = "cancelling at its period end" if cancelling else sub["status"]
        raise errors.local_action_not_allowed(action.value, state)
    emitted = _apply(sub, action, clock.now())
    fields: dict[str, Any] = {
        name: sub[name]
        for name in ("status", "cancel_at_period_end", "current_period_end", "ended_at", "invoices")
    }
    change = {"$set": fields, "$push": {"events": {"$each": emitted}}}
    if (
        await repo.update_local_subscription(
            db=db, subscription_id=subscription_id, version=sub["version"], change=change
        )
        is None
    ):
        raise errors.sync_conflict()
    return [as_event(doc) for doc in emitted]


async def set_cancelling(*, db: Database, subscription_id: str, cancel: bool) -> None:
    """A member's cancellation (or resumption) at the period end. Stripe sends
    `customer.subscription.updated` for it; it is recorded on the ledger, while our call
    reads the state back itself (localstripe sends nothing for it)."""
    sub = await repo.get_local_subscription(db=db, subscription_id=subscription_id)
    if sub is None:
        raise errors.membership_not_found()
    emitted = _event(sub, "customer.subscription.updated", clock.now())
    change = {"$set": {"cancel_at_period_end": cancel}, "$push": {"events": emitted}}
    if (
        await repo.update_local_subscription(
            db=db, subscription_id=subscription_id, version=sub["version"], change=change
        )
        is None
    ):
        raise errors.sync_conflict()
