"""The only code that touches `enrollments`."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document
from coursevault.enrollments.models import Standing
from coursevault.ttl_cache import TtlCache

ACTIVE = "active"
REVOKED = "revoked"


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.enrollments.create_index(
        [("user_id", ASCENDING), ("course_id", ASCENDING)], unique=True
    )
    await db.enrollments.create_index("course_id")


async def get(*, db: Database, user_id: str, course_id: str) -> Document | None:
    return await db.enrollments.find_one({"user_id": user_id, "course_id": course_id})


# Active enrollments looked up for callers that accept a bounded delay (the key endpoint);
# every enrollment write here forgets its entry.
_standings: TtlCache[tuple[str, str], Standing] = TtlCache("enrollments.standings")


async def standing(
    *, db: Database, user_id: str, course_id: str, max_age: float = 0.0
) -> Standing | None:
    """USER_ID's active enrollment in COURSE_ID (looked up at most MAX_AGE s ago), or None."""

    async def load() -> Standing | None:
        doc = await get(db=db, user_id=user_id, course_id=course_id)
        if doc is None or doc["state"] != ACTIVE:
            return None
        return Standing(since=doc["created_at"], unlocked=bool(doc.get("unlocked")))

    return await _standings.get_or_load((user_id, course_id), max_age, load)


async def grant_free(*, db: Database, user_id: str, course_id: str) -> bool:
    """Makes USER_ID's enrollment in a free course active; False if it already was."""
    now = clock.now()
    try:
        result = await db.enrollments.update_one(
            {"user_id": user_id, "course_id": course_id, "state": {"$ne": ACTIVE}},
            {
                "$set": {"state": ACTIVE, "source": "free", "updated_at": now},
                "$setOnInsert": {"order_id": None, "order_version": 0, "created_at": now},
            },
            upsert=True,
        )
    except DuplicateKeyError:
        _standings.forget((user_id, course_id))
        return False  # already active (or a racing request made it so)
    _standings.forget((user_id, course_id))
    return result.modified_count > 0 or result.upserted_id is not None


async def apply_order(
    *, db: Database, user_id: str, course_id: str, order_id: str, version: int, active: bool
) -> bool:
    """Sets the enrollment from version VERSION of an order; older versions never win.

    Each change to an order's payment facts bumps its version, so concurrent handlers
    that computed access from different snapshots settle on the newest one (P4).
    """
    now = clock.now()
    try:
        result = await db.enrollments.update_one(
            {
                "user_id": user_id,
                "course_id": course_id,
                "$or": [{"order_id": {"$ne": order_id}}, {"order_version": {"$lt": version}}],
            },
            {
                "$set": {
                    "state": ACTIVE if active else REVOKED,
                    "source": "order",
                    "order_id": order_id,
                    "order_version": version,
                    "updated_at": now,
                },
                "$setOnInsert": {"created_at": now},
            },
            upsert=True,
        )
    except DuplicateKeyError:
        _standings.forget((user_id, course_id))
        return False  # a newer snapshot of this order is already applied
    _standings.forget((user_id, course_id))
    return result.modified_count > 0 or result.upserted_id is not None


async def unlock(*, db: Database, user_id: str, course_id: str) -> bool:
    """Marks the active enrollment unlocked (every lesson open); False when there is none."""
    result = await db.enrollments.update_one(
        {"user_id": user_id, "course_id": course_id, "state": ACTIVE},
        {"$set": {"unlocked": True, "updated_at": clock.now()}},
    )
    _standings.forget((user_id, course_id))
    return result.matched_count == 1


async def for_user(*, db: Database, user_id: str) -> list[Document]:
    cursor = db.enrollments.find({"user_id": user_id, "state": ACTIVE}).sort("created_at", -1)
    return [doc async for doc in cursor]


async def for_course(*, db: Database, course_id: str) -> list[Document]:
    cursor = db.enrollments.find({"course_id": course_id}).sort("created_at", ASCENDING)
    return [doc async for doc in cursor]


async def count(*, db: Database, course_id: str, active_only: bool = False) -> int:
    match: Document = {"course_id": course_id}
    if active_only:
        match["state"] = ACTIVE
    return await db.enrollments.count_documents(match)
