"""Payment rules: one idempotent fulfil, access that follows the money (P3–P6).

Checkout (creating orders of every kind) is `checkout.py`."""

from __future__ import annotations

import logging
from typing import Any

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.errors import not_found
from coursevault.payments import access, errors, kinds, mails, providers, repo
from coursevault.payments.models import OrderState, Provider

log = logging.getLogger("coursevault.payments")

ACCESS_DISPUTE_STATUSES = ("won", "warning_closed")  # disputes that leave access in place


# ---- state: derived from facts, so event order never matters (P4) --------------------


def derive_state(order: Document) -> OrderState:
    facts = order["facts"]
    if facts.get("refunded"):
        return OrderState.refunded
    if any(s not in ACCESS_DISPUTE_STATUSES for s in facts.get("disputes", {}).values()):
        return OrderState.disputed
    if facts.get("succeeded"):
        return OrderState.paid
    if facts.get("failed"):
        return OrderState.failed
    return OrderState.pending


async def _apply(*, db: Database, settings: Settings, order: Document | None) -> Document | None:
    """Makes the order's state, the buyer's grants and the effect of its kind follow
    snapshot ORDER, then records that the snapshot was applied in full.

    Snapshots carry a version; a grant only ever moves to a newer one, so two handlers
    racing with different facts settle on the latest facts. Every step may run again (a
    handler that died part way, an effect that failed: `reapply`): grants are versioned,
    the effects of the kinds are idempotent per order, mails go once.
    """
    if order is None:
        return None
    state = derive_state(order)
    fields: Document = {"state": state.value}
    if state is OrderState.paid and order.get("paid_at") is None:
        fields["paid_at"] = clock.now()
    if state is OrderState.refunded and order.get("refunded_at") is None:
        fields["refunded_at"] = clock.now()
    await repo.set_state(db=db, order_id=order["_id"], version=order["version"], fields=fields)
    source, course_ids = kinds.buyer_courses(order)
    # Facts only accumulate, so a snapshot without a success is older than every snapshot
    # that could grant: it has nothing to say about the grants (and a failed card leaves
    # no grant behind). One with a success that is not paid was refunded or disputed.
    if order["facts"].get("succeeded"):
        for course_id in course_ids:
            await access.follow_order(
                db=db,
                user_id=order["user_id"],
                course_id=course_id,
                source=source,
                order_id=order["_id"],
                version=order["version"],
                active=state is OrderState.paid,
                reason=state.value,
            )
    await kinds.run_effect(db=db, settings=settings, order=order, state=state)
    await mails.announce(db=db, settings=settings, order=order, state=state)
    await repo.mark_applied(db=db, order_id=order["_id"], version=order["version"])
    return {**order, **fields, "applied_version": order["version"]}


def applied(order: Document) -> bool:
    """Whether ORDER's latest snapshot was applied in full (grants, its kind's effect)."""
    return int(order.get("applied_version", -1)) >= int(order["version"])


async def reapply(*, db: Database, settings: Settings, order_id: str) -> Document | None:
    """Applies the stored order's latest snapshot again: what a handler that died after
    recording a fact (or whose kind's effect failed) left undone is done now, once."""
    stored = await repo.get_order(db=db, order_id=order_id)
    return await _apply(db=db, settings=settings, order=stored)


async def settle_free(*, db: Database, settings: Settings, order: Document) -> Document:
    """Fulfils an order with nothing to charge (a 100 % coupon): paid now. Run again (the
    order page's check does), it applies the stored order again, so a checkout that died
    part way is completed."""
    if order["amount"] != 0:
        return order
    if order["facts"].get("succeeded"):
        updated = await reapply(db=db, settings=settings, order_id=order["_id"])
    else:
        updated = await _apply(
            db=db,
            settings=settings,
            order=await repo.record_facts(
                db=db, order_id=order["_id"], facts={"facts.succeeded": True}
            ),
        )
    return updated or order


# ---- fulfilment ------------------------------------------------------------------------


def _matches(order: Document, payment: providers.PaymentState) -> list[str]:
    """Returns what differs between ORDER and the payment the provider reports (P3): the
    amount and currency, and the order, buyer and what was bought in its metadata."""
    expected: dict[str, object] = {
        "amount": order["amount"],
        "currency": order["currency"],
        **providers.metadata_of(order),
    }
    reported: dict[str, object] = {
        "amount": payment.amount,
        "currency": payment.currency.lower(),
        **{name: payment.metadata.get(name) for name in providers.metadata_of(order)},
    }
    return [name for name, value in expected.items() if reported[name] != value]


async def fulfill(
    *, db: Database, settings: Settings, order: Document, failed_attempt: bool = False
) -> Document:
    """Grants access for ORDER if, re-read from the provider now, its payment succeeded.

    The only code that grants paid access (P3); idempotent and safe to run twice at once:
    the fact it sets is the same, and enrollment writes are versioned. Run again for a
    success already recorded (a webhook sent again, the order page), it applies the stored
    order again, which completes what a handler that died part way left undone. A free
    order (a 100 % coupon) is settled. FAILED_ATTEMPT (a declined payment was reported)
    marks the order failed unless the re-read says paid.
    """
    if order["provider"] == Provider.coupon:
        return await settle_free(db=db, settings=settings, order=order)
    if order.get("provider_payment_id") is None:
        return order
    provider = providers.of_order(settings, db, order)
    payment = await provider.retrieve(payment_id=order["provider_payment_id"])
    mismatch = _matches(order, payment)
    if mismatch:
        log.warning("payment does not match order=%s fields=%s", order["_id"], mismatch)
        return order
    if payment.status == "succeeded":
        if order["facts"].get("succeeded"):
            # Recorded already: the handler that recorded it may have died (or the kind's
            # effect failed) before the order was applied in full, so apply it again.
            return await reapply(db=db, settings=settings, order_id=order["_id"]) or order
        facts: dict[str, Any] = {"facts.succeeded": True}
        if payment.charge_id:
            facts["provider_charge_id"] = payment.charge_id
        log.info("payment succeeded order=%s user=%s", order["_id"], order["user_id"])
        updated = await _apply(
            db=db,
            settings=settings,
            order=await repo.record_facts(db=db, order_id=order["_id"], facts=facts),
        )
        return updated or order
    if failed_attempt and payment.status in ("requires_payment_method", "canceled"):
        updated = await _apply(
            db=db,
            settings=settings,
            order=await repo.record_facts(
                db=db, order_id=order["_id"], facts={"facts.failed": True}
            ),
        )
        return updated or order
    return order


async def mark_refunded(*, db: Database, settings: Settings, order: Document) -> Document:
    """Records a completed refund: final, access revoked, never re-granted (P4)."""
    updated = await _apply(
        db=db,
        settings=settings,
        order=await repo.record_facts(db=db, order_id=order["_id"], facts={"facts.refunded": True}),
    )
    return updated or order


async def record_dispute(
    *, db: Database, settings: Settings, order: Document, dispute_id: str, status: str
) -> Document:
    """Records a dispute's status; open or lost disputes revoke, a won one restores (P4)."""
    updated = await _apply(
        db=db,
        settings=settings,
        order=await repo.record_dispute(
            db=db, order_id=order["_id"], dispute_id=dispute_id, status=status
        ),
    )
    return updated or order


# ---- local test checkout ------------------------------------------------------------


async def complete_local(
    *, db: Database, settings: Settings, user: User, order: Document, succeed: bool
) -> Document:
    """Pays (or declines) USER's own local test order, then fulfils it through the
    webhook's path."""
    if not settings.is_development:
        raise not_found()
    if order["user_id"] != user.id:
        raise errors.order_not_found()  # an admin may see the order, but only its buyer pays
    if order["provider"] != Provider.local:
        raise errors.not_a_test_order()
    provider = providers.LocalProvider(db)
    if not await provider.settle(payment_id=order["provider_payment_id"], succeed=succeed):
        raise errors.payment_not_open()
    return await fulfill(db=db, settings=settings, order=order, failed_attempt=not succeed)
