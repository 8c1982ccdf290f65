"""The only code that touches `orders`, `webhook_events`, `coupons` and `local_payments`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document, any_of

CLOSED_DISPUTE = ("won", "lost", "warning_closed")


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    # Sparse: an order has no provider id until the provider answered.
    await db.orders.create_index("provider_payment_id", unique=True, sparse=True)
    await db.orders.create_index("provider_charge_id", sparse=True)
    await db.orders.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])
    await db.orders.create_index("course_id")
    await db.orders.create_index("instructor_id", sparse=True)  # set on orders since kinds
    # Who sold an order (`instructor_id` since kinds, its course before) and when it was
    # paid: the studio dashboard's sales of the last 12 weeks are one range of each.
    await db.orders.create_index([("course_id", ASCENDING), ("paid_at", ASCENDING)])
    await db.orders.create_index([("instructor_id", ASCENDING), ("paid_at", ASCENDING)])
    await db.coupons.create_index("code", unique=True)


# ---- orders --------------------------------------------------------------------------


async def insert_order(*, db: Database, doc: Document) -> None:
    await db.orders.insert_one(doc)


async def get_order(*, db: Database, order_id: str) -> Document | None:
    return await db.orders.find_one({"_id": order_id})


async def order_by_payment(*, db: Database, payment_id: str) -> Document | None:
    return await db.orders.find_one({"provider_payment_id": payment_id})


async def order_by_charge(*, db: Database, charge_id: str) -> Document | None:
    return await db.orders.find_one({"provider_charge_id": charge_id})


async def set_payment(
    *, db: Database, order_id: str, payment_id: str, client_secret: str | None
) -> Document | None:
    return await db.orders.find_one_and_update(
        {"_id": order_id},
        {"$set": {"provider_payment_id": payment_id, "client_secret": client_secret}},
        return_document=ReturnDocument.AFTER,
    )


async def record_facts(
    *, db: Database, order_id: str, facts: dict[str, Any], unless: Document | None = None
) -> Document | None:
    """Sets payment FACTS (bumping the version) and returns the new snapshot.

    UNLESS guards facts that must not go backwards (a closed dispute never reopens).
    Returns None when the guard stopped the change.
    """
    return await db.orders.find_one_and_update(
        {"_id": order_id, **(unless or {})},
        {"$set": {**facts, "updated_at": clock.now()}, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )


async def record_dispute(
    *, db: Database, order_id: str, dispute_id: str, status: str
) -> Document | None:
    """Records a dispute's status unless that dispute is already closed (P4)."""
    field = f"facts.disputes.{dispute_id}"
    return await record_facts(
        db=db,
        order_id=order_id,
        facts={field: status},
        unless={field: {"$nin": list(CLOSED_DISPUTE)}},
    )


async def set_state(*, db: Database, order_id: str, version: int, fields: Document) -> None:
    """Writes the state derived from snapshot VERSION, unless a newer snapshot exists."""
    await db.orders.update_one({"_id": order_id, "version": version}, {"$set": fields})


async def mark_applied(*, db: Database, order_id: str, version: int) -> None:
    """Records that snapshot VERSION was applied in full (grants, its kind's effect),
    unless a newer one was."""
    await db.orders.update_one(
        {
            "_id": order_id,
            "$or": [{"applied_version": {"$lt": version}}, {"applied_version": {"$exists": False}}],
        },
        {"$set": {"applied_version": version}},
    )


async def list_orders(
    *, db: Database, match: Document, skip: int, limit: int
) -> tuple[list[Document], int]:
    total = await db.orders.count_documents(match)
    cursor = db.orders.find(match).sort("created_at", DESCENDING).skip(skip).limit(limit)
    return [doc async for doc in cursor], total


async def revenue(*, db: Database, course_id: str) -> list[Document]:
    """Returns, per currency, the amounts paid and refunded for COURSE_ID."""
    cursor = await db.orders.aggregate(
        [
            {"$match": {"course_id": course_id, "facts.succeeded": True}},
            {
                "$group": {
                    "_id": "$currency",
                    "paid": {"$sum": "$amount"},
                    "refunded": {
                        "$sum": {"$cond": [{"$eq": ["$facts.refunded", True]}, "$amount", 0]}
                    },
                }
            },
        ]
    )
    return [doc async for doc in cursor]


async def revenue_by_kind(
    *, db: Database, instructor_id: str | None, course_ids: list[str]
) -> list[Document]:
    """Returns, per (kind, currency), the count and the amounts paid and refunded of the
    orders INSTRUCTOR_ID sold (or, for orders stored before kinds, of COURSE_IDS); of every
    order, with None."""
    match: Document = {"facts.succeeded": True}
    if instructor_id is not None:
        match.update(_sold_by(instructor_id, course_ids))
    cursor = await db.orders.aggregate(
        [
            {"$match": match},
            {
                "$group": {
                    "_id": {"kind": {"$ifNull": ["$kind", "course"]}, "currency": "$currency"},
                    "orders": {"$sum": 1},
                    "paid": {"$sum": "$amount"},
                    "refunded": {
                        "$sum": {"$cond": [{"$eq": ["$facts.refunded", True]}, "$amount", 0]}
                    },
                }
            },
        ]
    )
    return [doc async for doc in cursor]


def _sold_by(instructor_id: str, course_ids: list[str]) -> Document:
    """The orders INSTRUCTOR_ID sold (those stored before kinds: of COURSE_IDS)."""
    mine: list[Document] = [{"instructor_id": instructor_id}]
    if (courses := any_of(course_ids)) is not None:
        mine.append({"instructor_id": None, "course_id": courses})
    return {"$or": mine}


async def paid_since(
    *, db: Database, instructor_id: str, course_ids: list[str], since: datetime
) -> list[Document]:
    """The orders INSTRUCTOR_ID sold (see `revenue_by_kind`) paid at or after SINCE: their
    payment time, amount, currency and whether they were refunded."""
    cursor = db.orders.find(
        {
            "facts.succeeded": True,
            "paid_at": {"$gte": since},
            **_sold_by(instructor_id, course_ids),
        },
        {"paid_at": True, "amount": True, "currency": True, "facts.refunded": True},
    )
    return [doc async for doc in cursor]


# ---- webhook events ------------------------------------------------------------------


async def store_event(*, db: Database, event_id: str, kind: str, payload: Document) -> bool:
    """Stores a provider event by its id; False when it was already stored (P2)."""
    try:
        await db.webhook_events.insert_one(
            {
                "_id": event_id,
                "type": kind,
                "payload": payload,
                "received_at": clock.now(),
                "processed_at": None,
            }
        )
    except DuplicateKeyError:
        return False
    return True


async def event_processed(*, db: Database, event_id: str) -> bool:
    doc = await db.webhook_events.find_one({"_id": event_id}, {"processed_at": 1})
    return doc is not None and doc["processed_at"] is not None


async def mark_processed(*, db: Database, event_id: str) -> None:
    await db.webhook_events.update_one({"_id": event_id}, {"$set": {"processed_at": clock.now()}})


# ---- coupons -------------------------------------------------------------------------


async def insert_coupon(*, db: Database, doc: Document) -> bool:
    try:
        await db.coupons.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def get_coupon(*, db: Database, code: str) -> Document | None:
    return await db.coupons.find_one({"code": code})


async def coupons_of(*, db: Database, created_by: str | None) -> list[Document]:
    match = {} if created_by is None else {"created_by": created_by}
    return [doc async for doc in db.coupons.find(match).sort("created_at", DESCENDING)]


async def redeem_coupon(*, db: Database, code: str, now: datetime) -> Document | None:
    """Counts one redemption if the coupon is live and not used up; atomic."""
    return await db.coupons.find_one_and_update(
        {
            "code": code,
            "$and": [
                {"$or": [{"expires_at": None}, {"expires_at": {"$gt": now}}]},
                {
                    "$or": [
                        {"max_redemptions": None},
                        {"$expr": {"$lt": ["$redemptions", "$max_redemptions"]}},
                    ]
                },
            ],
        },
        {"$inc": {"redemptions": 1}},
        return_document=ReturnDocument.AFTER,
    )


async def release_coupon(*, db: Database, code: str) -> None:
    await db.coupons.update_one({"code": code}, {"$inc": {"redemptions": -1}})


# ---- the local test provider's own ledger ------------------------------------------


async def insert_local_payment(*, db: Database, doc: Document) -> None:
    await db.local_payments.insert_one(doc)


async def get_local_payment(*, db: Database, payment_id: str) -> Document | None:
    return await db.local_payments.find_one({"_id": payment_id})


async def update_local_payment(
    *, db: Database, payment_id: str, expect: Document, fields: Document
) -> Document | None:
    return await db.local_payments.find_one_and_update(
        {"_id": payment_id, **expect}, {"$set": fields}, return_document=ReturnDocument.AFTER
    )
