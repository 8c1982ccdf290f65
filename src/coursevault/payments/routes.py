"""HTTP routes for enrollment, checkout, orders, refunds, coupons and Stripe webhooks."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from coursevault.auth.deps import Admin, CurrentUser, Instructor
from coursevault.courses.deps import VisibleCourse
from coursevault.enrollments.models import EnrollmentRead
from coursevault.errors import ERROR_RESPONSES, not_found
from coursevault.http.deps import AppSettings, Db
from coursevault.payments import checkout as checkouts
from coursevault.payments import coupons, orders, service, signature, webhooks
from coursevault.payments.deps import OwnedOrder
from coursevault.payments.models import (
    CheckoutIn,
    CheckoutRead,
    CouponCreate,
    CouponRead,
    LocalPaymentIn,
    OrderPage,
    OrderRead,
    OrderState,
)

log = logging.getLogger("coursevault.payments")

router = APIRouter(prefix="/api", tags=["payments"], responses=ERROR_RESPONSES)


@router.post(
    "/courses/{course_id}/enroll", status_code=status.HTTP_201_CREATED, operation_id="enroll"
)
async def enroll(
    course: VisibleCourse, user: CurrentUser, db: Db, response: Response
) -> EnrollmentRead:
    """Enrolls in a free course (201; 200 when already enrolled)."""
    if not await checkouts.enroll_free(db=db, user=user, course=course):
        response.status_code = status.HTTP_200_OK
    return EnrollmentRead(course_id=course["_id"], state="active")


@router.post(
    "/courses/{course_id}/checkout",
    status_code=status.HTTP_201_CREATED,
    operation_id="checkout",
)
async def checkout(
    course: VisibleCourse,
    user: CurrentUser,
    db: Db,
    settings: AppSettings,
    checkout_in: CheckoutIn | None = None,
) -> CheckoutRead:
    """Creates an order at the course's own price and its payment (Stripe or local test)."""
    return await checkouts.checkout(
        db=db,
        settings=settings,
        user=user,
        course=course,
        coupon=checkout_in.coupon if checkout_in else None,
    )


@router.get("/orders/{order_id}", operation_id="getOrder")
async def get_order(
    order: OwnedOrder, user: CurrentUser, db: Db, settings: AppSettings
) -> OrderRead:
    """The order's state; a pending one is re-read from the provider (never granted by a visit)."""
    order = await orders.refresh(db=db, settings=settings, order=order)
    return orders.to_read(order=order, settings=settings, for_buyer=order["user_id"] == user.id)


@router.get("/me/orders", operation_id="myOrders")
async def my_orders(user: CurrentUser, db: Db, settings: AppSettings) -> OrderPage:
    return await orders.order_page(
        db=db,
        settings=settings,
        state=None,
        user_id=user.id,
        page=1,
        per_page=100,
        for_buyer=True,
    )


@router.post("/payments/local/{order_id}/complete", operation_id="completeLocalPayment")
async def complete_local_payment(
    order: OwnedOrder,
    user: CurrentUser,
    db: Db,
    settings: AppSettings,
    payment_in: LocalPaymentIn | None = None,
) -> OrderRead:
    """The local test checkout (development only): pays or declines a test order."""
    succeed = payment_in is None or payment_in.outcome == "succeed"
    order = await service.complete_local(
        db=db, settings=settings, user=user, order=order, succeed=succeed
    )
    return orders.to_read(order=order, settings=settings, for_buyer=True)


@router.post("/payments/stripe/webhook", operation_id="stripeWebhook", include_in_schema=False)
async def stripe_webhook(request: Request, db: Db, settings: AppSettings) -> dict[str, bool]:
    """Stripe's events: signature over the raw body (P1), stored by id before 2xx (P2)."""
    if settings.stripe_webhook_secret is None:
        raise not_found()
    payload = await request.body()
    event = signature.verify(
        payload,
        request.headers.get("stripe-signature"),
        settings.stripe_webhook_secret.get_secret_value(),
        settings.webhook_tolerance_seconds,
    )
    first = await webhooks.receive_webhook(db=db, settings=settings, event=event)
    return {"received": True, "duplicate": not first}


@router.get("/admin/orders", operation_id="listOrders")
async def list_orders(
    _: Admin,
    db: Db,
    settings: AppSettings,
    state: OrderState | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> OrderPage:
    return await orders.order_page(
        db=db,
        settings=settings,
        state=state,
        user_id=None,
        page=page,
        per_page=per_page,
        for_buyer=False,
    )


@router.post("/admin/orders/{order_id}/refund", operation_id="refundOrder")
async def refund_order(
    order_id: str, user: CurrentUser, db: Db, settings: AppSettings
) -> OrderRead:
    """Refunds through the provider and revokes access (admins; instructors in the window)."""
    order = await orders.refund(db=db, settings=settings, actor=user, order_id=order_id)
    return orders.to_read(order=order, settings=settings, for_buyer=False)


@router.post("/coupons", status_code=status.HTTP_201_CREATED, operation_id="createCoupon")
async def create_coupon(coupon_in: CouponCreate, user: Instructor, db: Db) -> CouponRead:
    return await coupons.create_coupon(db=db, user=user, coupon_in=coupon_in)


@router.get("/coupons", operation_id="listCoupons")
async def list_coupons(user: Instructor, db: Db) -> list[CouponRead]:
    return await coupons.coupons_for(db=db, user=user)
