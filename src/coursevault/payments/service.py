"""Payment rules: checkout, one idempotent fulfil, access that follows the money (P3–P6)."""

from __future__ import annotations

import logging
from typing import Any

from bson import ObjectId

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.courses.models import CourseStatus
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.errors import AppError, not_found
from coursevault.http import urls
from coursevault.payments import coupons, errors, mails, providers, repo
from coursevault.payments.models import (
    CheckoutRead,
    OrderState,
    Provider,
)
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
    """Makes the order's state and the buyer's enrollment follow snapshot ORDER.

    Snapshots carry a version; the enrollment only ever moves to a newer one, so two
    handlers racing with different facts settle on the latest facts.
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
    # Facts only accumulate, so a snapshot without a success is older than every snapshot
    # that could grant: it has nothing to say about the enrollment (and a failed card
    # leaves no enrollment row behind).
    if order["facts"].get("succeeded"):
        await enrollments.apply_order(
            db=db,
            user_id=order["user_id"],
            course_id=order["course_id"],
            order_id=order["_id"],
            version=order["version"],
            active=active,
        )
    if not active and (order["facts"].get("refunded") or state is OrderState.disputed):
        ended = await playback.end_for_course(
            db=db, user_id=order["user_id"], course_id=order["course_id"], reason=state.value
        )
        log.info(
            "access revoked (%s) order=%s user=%s course=%s sessions_ended=%d",
            state,
            order["_id"],
            order["user_id"],
            order["course_id"],
            ended,
        )
    await mails.announce(db=db, settings=settings, order=order, state=state)
    return {**order, **fields}


# ---- checkout ------------------------------------------------------------------------


async def checkout(
    *, db: Database, settings: Settings, user: User, course: Document, coupon: str | None
) -> CheckoutRead:
    """Creates an order at the course's price (never the client's) and its payment."""
    if course["status"] != CourseStatus.published:
        raise errors.course_not_found()
    if course["price"]["amount"] == 0:
        raise errors.course_is_free()
    if await enrollments.is_active(db=db, user_id=user.id, course_id=course["_id"]):
        raise errors.already_enrolled()
    provider = providers.for_new_order(settings, db)  # 503 before any coupon is used
    amount, used = await _price(db=db, course=course, coupon=coupon)
    order = _new_order_doc(user=user, course=course, amount=amount, coupon=used, provider=provider)
    await repo.insert_order(db=db, doc=order)
    log.info(
        "order created order=%s user=%s course=%s amount=%d %s",
        order["_id"],
        user.id,
        course["_id"],
        amount,
        order["currency"],
    )
    if amount == 0:  # a 100 % coupon: nothing to charge, access now
        await _apply(
            db=db,
            settings=settings,
            order=await repo.record_facts(
                db=db, order_id=order["_id"], facts={"facts.succeeded": True}
            ),
        )
        return CheckoutRead(
            order_id=order["_id"],
            provider=Provider.coupon,
            checkout_url=urls.checkout_page(order["_id"]),
            amount=0,
            currency=order["currency"],
        )
    return await _start_payment(db=db, settings=settings, order=order, provider=provider)


async def _price(
    *, db: Database, course: Document, coupon: str | None
) -> tuple[int, Document | None]:
    """Returns what the buyer pays and the coupon redeemed for it, if any."""
    if not coupon:
        return course["price"]["amount"], None
    return await coupons.redeemed_price(db=db, code=coupon, course=course)


def _new_order_doc(
    *,
    user: User,
    course: Document,
    amount: int,
    coupon: Document | None,
    provider: providers.PaymentProvider,
) -> Document:
    """Builds a pending order with its idempotency key (P6) and no payment facts yet."""
    order_id = str(ObjectId())
    now = clock.now()
    return {
        "_id": order_id,
        "user_id": user.id,
        "course_id": course["_id"],
        "course_title": course["title"],
        "list_amount": course["price"]["amount"],
        "amount": amount,
        "currency": course["price"]["currency"],
        "coupon": coupon["code"] if coupon else None,
        "provider": (provider.name if amount > 0 else Provider.coupon).value,
        "idempotency_key": f"coursevault-order-{order_id}",
        "client_secret": None,
        "state": OrderState.pending.value,
        "facts": {"succeeded": False, "failed": False, "refunded": False, "disputes": {}},
        "version": 0,
        "created_at": now,
        "updated_at": now,
        "paid_at": None,
        "refunded_at": None,
    }


async def _start_payment(
    *, db: Database, settings: Settings, order: Document, provider: providers.PaymentProvider
) -> CheckoutRead:
    """Creates the provider's payment for ORDER; a failure gives the coupon back."""
    try:
        created = await provider.create(order=order, idempotency_key=order["idempotency_key"])
    except AppError:
        if order["coupon"]:
            await repo.release_coupon(db=db, code=order["coupon"])
        raise
    await repo.set_payment(
        db=db, order_id=order["_id"], payment_id=created.id, client_secret=created.client_secret
    )
    return CheckoutRead(
        order_id=order["_id"],
        provider=provider.name,
        checkout_url=urls.checkout_page(order["_id"]),
        amount=order["amount"],
        currency=order["currency"],
        client_secret=created.client_secret,
        publishable_key=settings.stripe_publishable_key if created.client_secret else None,
        stripe_js_url=settings.stripe_js_url if created.client_secret else None,
    )


async def enroll_free(*, db: Database, user: User, course: Document) -> bool:
    """Enrolls USER in a free published course; False if already enrolled."""
    if course["status"] != CourseStatus.published:
        raise errors.course_not_found()
    if course["price"]["amount"] > 0:
        raise errors.payment_required()
    return await enrollments.enroll_free(db=db, user_id=user.id, course_id=course["_id"])


# ---- fulfilment ------------------------------------------------------------------------


def _matches(order: Document, payment: providers.PaymentState) -> list[str]:
    """Returns what differs between ORDER and the payment the provider reports (P3)."""
    expected = {
        "amount": order["amount"],
        "currency": order["currency"],
        "order": order["_id"],
        "user": order["user_id"],
        "course": order["course_id"],
    }
    reported = {
        "amount": payment.amount,
        "currency": payment.currency.lower(),
        "order": payment.metadata.get("order_id"),
        "user": payment.metadata.get("user_id"),
        "course": payment.metadata.get("course_id"),
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
