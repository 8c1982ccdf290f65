"""The only code that touches `gifts`."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault.database.db import Database, Document
from coursevault.gifts.models import Gift

PAID = "paid"


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.gifts.create_index([("buyer_id", ASCENDING), ("created_at", DESCENDING)])
    await db.gifts.create_index("token_hash", sparse=True)


def _gift(doc: Document | None) -> Gift | None:
    return Gift.model_validate(doc) if doc else None


async def ensure(*, db: Database, gift: Gift) -> None:
    """Stores GIFT unless its order's gift is already stored (every snapshot asks)."""
    fields = gift.model_dump(by_alias=True)
    with contextlib.suppress(DuplicateKeyError):  # stored by a handler racing this one
        await db.gifts.update_one({"_id": gift.id}, {"$setOnInsert": fields}, upsert=True)


async def record_order(*, db: Database, gift_id: str, state: str, version: int) -> Gift | None:
    """Records the order's state as of snapshot VERSION unless a newer one is recorded;
    returns the gift as it is now."""
    updated = await db.gifts.find_one_and_update(
        {"_id": gift_id, "order_version": {"$lt": version}},
        {"$set": {"order_state": state, "order_version": version}},
        return_document=ReturnDocument.AFTER,
    )
    return _gift(updated) or await get(db=db, gift_id=gift_id)


async def get(*, db: Database, gift_id: str) -> Gift | None:
    return _gift(await db.gifts.find_one({"_id": gift_id}))


async def by_token(*, db: Database, token_hash: str) -> Gift | None:
    return _gift(await db.gifts.find_one({"token_hash": token_hash}))


def _claimable() -> Document:
    return {"claimed_by": None, "order_state": PAID, "refund_requested_at": None}


async def set_token(*, db: Database, gift_id: str, token_hash: str) -> bool:
    """Gives a gift nobody claimed yet a new link (the previous one stops working)."""
    result = await db.gifts.update_one(
        {"_id": gift_id, **_claimable()}, {"$set": {"token_hash": token_hash}}
    )
    return result.matched_count > 0


async def claim(
    *, db: Database, gift_id: str, token_hash: str, user_id: str, now: datetime
) -> Gift | None:
    """Claims the gift for USER_ID if the token is its current one and it may be claimed
    (one write: of two racing claims, one wins)."""
    return _gift(
        await db.gifts.find_one_and_update(
            {"_id": gift_id, "token_hash": token_hash, **_claimable()},
            {"$set": {"claimed_by": user_id, "claimed_at": now}},
            return_document=ReturnDocument.AFTER,
        )
    )


async def request_refund(*, db: Database, gift_id: str, now: datetime) -> Gift | None:
    """Marks a gift nobody claimed as being refunded, so no claim slips in meanwhile."""
    return _gift(
        await db.gifts.find_one_and_update(
            {"_id": gift_id, **_claimable()},
            {"$set": {"refund_requested_at": now}},
            return_document=ReturnDocument.AFTER,
        )
    )


async def drop_refund_request(*, db: Database, gift_id: str) -> None:
    await db.gifts.update_one({"_id": gift_id}, {"$set": {"refund_requested_at": None}})


async def of_buyer(*, db: Database, buyer_id: str) -> list[Gift]:
    cursor = db.gifts.find({"buyer_id": buyer_id}).sort("created_at", DESCENDING)
    return [Gift.model_validate(doc) async for doc in cursor]
