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
    await db.gifts.create_index("token_hashes")


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


def _links_to(token_hash: str) -> Document:
    return {"$or": [{"token_hash": token_hash}, {"token_hashes": token_hash}]}


async def by_token(*, db: Database, token_hash: str) -> Gift | None:
    """The gift one of whose claim links carries TOKEN_HASH."""
    return _gift(await db.gifts.find_one(_links_to(token_hash)))


def _claimable() -> Document:
    return {"claimed_by": None, "order_state": PAID, "refund_requested_at": None}


async def add_token(*, db: Database, gift: Gift, token_hash: str) -> bool:
    """Gives a gift nobody claimed yet a new link; the earlier ones keep working (one may
    have been delivered). False when it was claimed or refunded meanwhile."""
    links = [h for h in (gift.token_hash, token_hash) if h]  # gifts stored with one link
    result = await db.gifts.update_one(
        {"_id": gift.id, **_claimable()},
        {"$set": {"token_hash": token_hash}, "$addToSet": {"token_hashes": {"$each": links}}},
    )
    return result.matched_count > 0


async def claim(
    *, db: Database, gift_id: str, token_hash: str, user_id: str, now: datetime
) -> Gift | None:
    """Claims the gift for USER_ID if the token is one of its links and it may be claimed
    (one write: of two racing claims, one wins)."""
    return _gift(
        await db.gifts.find_one_and_update(
            {"_id": gift_id, **_links_to(token_hash), **_claimable()},
            {"$set": {"claimed_by": user_id, "claimed_at": now}},
            return_document=ReturnDocument.AFTER,
        )
    )


async def request_refund(*, db: Database, gift_id: str, now: datetime) -> Gift | None:
    """Marks a gift nobody claimed as being refunded, so no claim slips in meanwhile (again,
    when an earlier request was interrupted: the buyer may retry it)."""
    return _gift(
        await db.gifts.find_one_and_update(
            {"_id": gift_id, "claimed_by": None, "order_state": PAID},
            {"$set": {"refund_requested_at": now}},
            return_document=ReturnDocument.AFTER,
        )
    )


async def drop_refund_request(*, db: Database, gift_id: str) -> None:
    await db.gifts.update_one({"_id": gift_id}, {"$set": {"refund_requested_at": None}})


async def of_buyer(*, db: Database, buyer_id: str) -> list[Gift]:
    cursor = db.gifts.find({"buyer_id": buyer_id}).sort("created_at", DESCENDING)
    return [Gift.model_validate(doc) async for doc in cursor]
