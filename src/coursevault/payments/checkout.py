"""Checkout: an order of any kind at the server's price, and its payment (P3, P7).

A course is bought here; bundles, gifts and seats describe what they sell as a `Purchase`
(their features check who may buy what) and come through `place_order`, so every kind is
paid, fulfilled, refunded and disputed by the same code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.courses.models import CourseStatus
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.errors import AppError
from coursevault.http import urls
from coursevault.payments import coupons, errors, providers, repo, service
from coursevault.payments.models import CheckoutRead, OrderKind, OrderState, Provider

log = logging.getLogger("coursevault.payments")


@dataclass(frozen=True)
class Purchase:
    """What a new order buys, priced by the server from its own records (never from the
    request): LIST_AMOUNT in CURRENCY before any coupon."""

    kind: OrderKind
    title: str  # stored as the order's `course_title`: what the receipt names
    list_amount: int
    currency: str
    instructor_id: str  # who may refund it within the window, whose revenue it is
    course_id: str | None = None  # the one course it is about (course, gift, seats)
    # The course whose own coupons apply; None: only site-wide coupons do.
    coupon_course_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)  # the kind's own order fields


async def checkout(
    *, db: Database, settings: Settings, user: User, course: Document, coupon: str | None
) -> CheckoutRead:
    """Creates an order at the course's price (never the client's) and its payment."""
    refuse_unsold(course)
    # A member's time-limited grant is not owning the course: they may buy it to keep it.
    if await enrollments.owns(db=db, user_id=user.id, course_id=course["_id"]):
        raise errors.already_enrolled()
    purchase = Purchase(
        kind=OrderKind.course,
        title=course["title"],
        list_amount=course["price"]["amount"],
        currency=course["price"]["currency"],
        instructor_id=course["instructor_id"],
        course_id=course["_id"],
        coupon_course_id=course["_id"],
    )
    return await place_order(db=db, settings=settings, user=user, purchase=purchase, coupon=coupon)


def refuse_unsold(course: Document) -> None:
    """Refuses a course that is not sold, for oneself, as a gift or as seats: unpublished
    (`404 course_not_found`) or free (`409 course_is_free`)."""
    if course["status"] != CourseStatus.published:
        raise errors.course_not_found()
    if course["price"]["amount"] == 0:
        raise errors.course_is_free()


async def place_order(
    *, db: Database, settings: Settings, user: User, purchase: Purchase, coupon: str | None
) -> CheckoutRead:
    """Creates USER's order for PURCHASE (a coupon applied) and its payment."""
    provider = providers.for_new_order(settings, db)  # 503 before any coupon is used
    amount, used = await _price(db=db, purchase=purchase, coupon=coupon)
    order = _new_order_doc(
        user=user, purchase=purchase, amount=amount, coupon=used, provider=provider
    )
    await repo.insert_order(db=db, doc=order)
    log.info(
        "order created order=%s kind=%s user=%s course=%s amount=%d %s",
        order["_id"],
        purchase.kind,
        user.id,
        purchase.course_id or purchase.fields.get("bundle_id"),
        amount,
        order["currency"],
    )
    if amount == 0:  # a 100 % coupon: nothing to charge, paid now
        await service.settle_free(db=db, settings=settings, order=order)
        return CheckoutRead(
            order_id=order["_id"],
            provider=Provider.coupon,
            checkout_url=urls.checkout_page(order["_id"]),
            amount=0,
            currency=order["currency"],
        )
    return await _start_payment(db=db, settings=settings, order=order, provider=provider)


async def _price(
    *, db: Database, purchase: Purchase, coupon: str | None
) -> tuple[int, Document | None]:
    """Returns what the buyer pays and the coupon redeemed for it, if any."""
    if not coupon:
        return purchase.list_amount, None
    return await coupons.redeemed_amount(
        db=db,
        code=coupon,
        course_id=purchase.coupon_course_id,
        amount=purchase.list_amount,
        currency=purchase.currency,
    )


def _new_order_doc(
    *,
    user: User,
    purchase: Purchase,
    amount: int,
    coupon: Document | None,
    provider: providers.PaymentProvider,
) -> Document:
    """Builds a pending order with its idempotency key (P6) and no payment facts yet."""
    order_id = str(ObjectId())
    now = clock.now()
    return {
        **purchase.fields,
        "_id": order_id,
        "kind": purchase.kind.value,
        "user_id": user.id,
        "course_id": purchase.course_id,
        "course_title": purchase.title,
        "instructor_id": purchase.instructor_id,
        "list_amount": purchase.list_amount,
        "amount": amount,
        "currency": purchase.currency,
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
