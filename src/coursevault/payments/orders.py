"""Orders after checkout: who may read one, its public shape, refunds, revenue."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from coursevault import clock
from coursevault.auth.models import Role, User
from coursevault.config import Settings
from coursevault.courses import service as courses
from coursevault.database.db import Database, Document
from coursevault.payments import errors, providers, repo
from coursevault.payments.models import (
    KindRevenue,
    OrderKind,
    OrderPage,
    OrderRead,
    OrderState,
    Provider,
    Revenue,
    Sale,
)
from coursevault.payments.service import applied, fulfill, mark_refunded, reapply

log = logging.getLogger("coursevault.payments")


async def order_for(*, db: Database, order_id: str, user: User) -> Document:
    """Returns the order if USER placed it (or is an admin); 404 otherwise (P6)."""
    order = await repo.get_order(db=db, order_id=order_id)
    if order is None or (order["user_id"] != user.id and Role.admin not in user.roles):
        raise errors.order_not_found()
    return order


async def refresh(*, db: Database, settings: Settings, order: Document) -> Document:
    """Re-reads a pending order's payment from the provider (the success page's check, P6);
    an order whose latest snapshot was not applied in full (its handler died part way, or
    its kind's effect failed) is applied again."""
    if order["state"] in (OrderState.pending, OrderState.failed):
        return await fulfill(db=db, settings=settings, order=order)
    if not applied(order):
        return await reapply(db=db, settings=settings, order_id=order["_id"]) or order
    return order


def to_read(*, order: Document, settings: Settings, for_buyer: bool) -> OrderRead:
    """Returns the public view of an order; its payment secret only for the buyer."""
    open_ = order["state"] in (OrderState.pending, OrderState.failed)
    secret = order.get("client_secret") if for_buyer and open_ else None
    return OrderRead.model_validate(
        {
            "paid_at": None,  # set once paid, refunded: absent until then
            "refunded_at": None,
            **order,
            "client_secret": secret,
            "publishable_key": settings.stripe_publishable_key if secret else None,
            "stripe_js_url": settings.stripe_js_url if secret else None,
        }
    )


async def refund(*, db: Database, settings: Settings, actor: User, order_id: str) -> Document:
    """Refunds a paid order through its provider and revokes access.

    Admins may refund any order; the instructor of what was sold only within the refund
    window.
    """
    order = await repo.get_order(db=db, order_id=order_id)
    if order is None:
        raise errors.order_not_found()
    if Role.admin not in actor.roles and not await _sold_by(db=db, order=order, user=actor):
        raise errors.order_not_found()
    if order["state"] == OrderState.paid and Role.admin not in actor.roles:
        window = timedelta(days=settings.instructor_refund_window_days)
        if order.get("paid_at") is None or clock.now() - order["paid_at"] > window:
            raise errors.refund_window_closed(settings.instructor_refund_window_days)
    return await _refund_paid(db=db, settings=settings, order=order, by=actor.id)


async def _sold_by(*, db: Database, order: Document, user: User) -> bool:
    """Whether USER is the instructor who sold ORDER (orders before kinds name the course
    only)."""
    if order.get("instructor_id") is not None:
        return bool(order["instructor_id"] == user.id)
    course = await courses.find_course(db=db, ref=order["course_id"])
    return course is not None and course["instructor_id"] == user.id


async def refund_for_buyer(
    *, db: Database, settings: Settings, buyer: User, order: Document
) -> Document:
    """Refunds ORDER at its buyer's request (the feature that sold it decided the buyer
    may: a gift nobody claimed); another account's order is `404`."""
    if order["user_id"] != buyer.id:
        raise errors.order_not_found()
    return await _refund_paid(db=db, settings=settings, order=order, by=buyer.id)


async def _refund_paid(*, db: Database, settings: Settings, order: Document, by: str) -> Document:
    """Refunds ORDER through its provider and records it (access revoked, the effect of
    its kind run); the caller decided that BY may. A refunded order is returned as it is
    (applied again if its handler died part way); an order that is not paid is `409
    not_refundable`."""
    if order["state"] == OrderState.refunded:
        if applied(order):
            return order
        return await reapply(db=db, settings=settings, order_id=order["_id"]) or order
    if order["state"] != OrderState.paid:
        raise errors.not_refundable(order["state"])
    if order["provider"] != Provider.coupon:
        provider = providers.of_order(settings, db, order)
        await provider.refund(
            payment_id=order["provider_payment_id"],
            idempotency_key=f"coursevault-refund-{order['_id']}",
        )
    log.info("refund order=%s by=%s", order["_id"], by)
    return await mark_refunded(db=db, settings=settings, order=order)


async def find(*, db: Database, order_id: str) -> Document | None:
    """The stored order ORDER_ID, for features that sell through payments."""
    return await repo.get_order(db=db, order_id=order_id)


async def list_orders(
    *, db: Database, state: OrderState | None, user_id: str | None, page: int, per_page: int
) -> tuple[list[Document], int]:
    match: Document = {}
    if state is not None:
        match["state"] = state.value
    if user_id is not None:
        match["user_id"] = user_id
    return await repo.list_orders(db=db, match=match, skip=(page - 1) * per_page, limit=per_page)


async def order_page(
    *,
    db: Database,
    settings: Settings,
    state: OrderState | None,
    user_id: str | None,
    page: int,
    per_page: int,
    for_buyer: bool,
) -> OrderPage:
    docs, total = await list_orders(
        db=db, state=state, user_id=user_id, page=page, per_page=per_page
    )
    return OrderPage(
        items=[to_read(order=d, settings=settings, for_buyer=for_buyer) for d in docs], total=total
    )


async def revenue(*, db: Database, course_id: str) -> list[Revenue]:
    """Returns, per currency, what was paid, refunded and kept for a course (its course,
    gift and seat orders; a bundle's orders are the bundle's, in `revenue_by_kind`)."""
    return [
        Revenue(
            currency=r["_id"], paid=r["paid"], refunded=r["refunded"], net=r["paid"] - r["refunded"]
        )
        for r in await repo.revenue(db=db, course_id=course_id)
    ]


async def revenue_by_kind(*, db: Database, instructor_id: str | None) -> list[KindRevenue]:
    """Returns what INSTRUCTOR_ID's sales brought (every sale of the site, with None), per
    order kind and currency (orders stored before kinds are course orders, found through
    the instructor's courses)."""
    if instructor_id is None:
        rows = await repo.revenue_by_kind(db=db, instructor_id=None, course_ids=[])
    else:
        course_ids = await courses.ids_taught_by(db=db, instructor_id=instructor_id)
        rows = await repo.revenue_by_kind(db=db, instructor_id=instructor_id, course_ids=course_ids)
    return sorted(
        (
            KindRevenue(
                kind=OrderKind(r["_id"]["kind"]),
                currency=r["_id"]["currency"],
                orders=r["orders"],
                paid=r["paid"],
                refunded=r["refunded"],
                net=r["paid"] - r["refunded"],
            )
            for r in rows
        ),
        key=lambda r: (r.kind, r.currency),
    )


async def sales_since(*, db: Database, instructor_id: str, since: datetime) -> list[Sale]:
    """INSTRUCTOR_ID's sales of every kind paid at or after SINCE (refunded ones too,
    marked), oldest first."""
    course_ids = await courses.ids_taught_by(db=db, instructor_id=instructor_id)
    rows = await repo.paid_since(
        db=db, instructor_id=instructor_id, course_ids=course_ids, since=since
    )
    return sorted(
        (
            Sale(
                paid_at=r["paid_at"],
                amount=r["amount"],
                currency=r["currency"],
                refunded=bool(r.get("facts", {}).get("refunded")),
            )
            for r in rows
        ),
        key=lambda s: s.paid_at,
    )
