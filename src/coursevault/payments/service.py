"""Payment rules: one idempotent fulfil, access that follows the money (P3–P6).

Checkout (creating orders of every kind) is `checkout.py`."""

from __future__ import annotations

import logging
from typing import Any

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.errors import not_found
from coursevault.payments import errors, kinds, mails, providers, repo
from coursevault.payments.models import OrderState, Provider
from coursevault.streaming import service as playback

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
    snapshot ORDER.

    Snapshots carry a version; a grant only ever moves to a newer one, so two handlers
    racing with different facts settle on the latest facts.
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
    active = state is OrderState.paid
    source, course_ids = kinds.buyer_courses(order)
    # Facts only accumulate, so a snapshot without a success is older than every snapshot
    # that could grant: it has nothing to say about the grants (and a failed card leaves
    # no grant behind).
    if order["facts"].get("succeeded"):
        for course_id in course_ids:
            await enrollments.apply_order(
                db=db,
                user_id=order["user_id"],
                course_id=course_id,
                order_id=order["_id"],
                version=order["version"],
                active=active,
                source=source,
            )
    if not active and (order["facts"].get("refunded") or state is OrderState.disputed):
        for course_id in course_ids:
            ended = await end_sessions_without_access(
                db=db, user_id=order["user_id"], course_id=course_id, reason=state.value
            )
            log.info(
                "access revoked (%s) order=%s user=%s course=%s sessions_ended=%d",
                state,
                order["_id"],
                order["user_id"],
                course_id,
                ended,
            )
    await kinds.run_effect(db=db, settings=settings, order=order, state=state)
    await mails.announce(db=db, settings=settings, order=order, state=state)
    return {**order, **fields}


async def end_sessions_without_access(
    *, db: Database, user_id: str, course_id: str, reason: str
) -> int:
    """Ends USER_ID's live sessions on COURSE_ID unless another grant still opens it (a
    grant was just taken back: P5); returns how many ended. The key check refuses the
    next key at once either way, since it asks the grants."""
    if await enrollments.is_active(db=db, user_id=user_id, course_id=course_id):
        return 0
    return await playback.end_for_course(db=db, user_id=user_id, course_id=course_id, reason=reason)


async def settle_free(*, db: Database, settings: Settings, order: Document) -> Document:
    """Fulfils an order with nothing to charge (a 100 % coupon): paid now."""
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
    the fact it sets is the same, and enrollment writes are versioned. FAILED_ATTEMPT (a
    declined payment was reported) marks the order failed unless the re-read says paid.
    """
    if order["provider"] == Provider.coupon or order.get("provider_payment_id") is None:
        return order
    provider = providers.of_order(settings, db, order)
    payment = await provider.retrieve(payment_id=order["provider_payment_id"])
    mismatch = _matches(order, payment)
    if mismatch:
        log.warning("payment does not match order=%s fields=%s", order["_id"], mismatch)
        return order
    if payment.status == "succeeded":
        if order["facts"].get("succeeded"):
            return order
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
