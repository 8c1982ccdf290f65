"""The only code that touches `progress`."""

from __future__ import annotations

import contextlib

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.db import Database, Document, pair_id, upsert
from coursevault.progress.models import LessonProgress


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    if BY_COURSE not in await db.progress.index_information():
        # Created last, the index marks the move below as done: later starts skip it
        # instead of scanning the collection, and a start that stopped halfway redoes it.
        await _readdress_legacy(db)
    await db.progress.create_index([("user_id", ASCENDING), ("course_id", ASCENDING)])
    await db.progress.create_index([("course_id", ASCENDING), ("lesson_id", ASCENDING)])


BY_COURSE = "user_id_1_course_id_1"


async def _readdress_legacy(db: Database) -> None:
    # Progress saved before documents were addressed by (user, lesson) in their `_id` moves
    # to that address, so the hot path never looks it up by fields. The `_id` now keeps
    # one document per (user, lesson), so the unique index that did goes first; copying
    # before deleting loses nothing if this stops halfway.
    if "user_id_1_course_id_1_lesson_id_1" in await db.progress.index_information():
        await db.progress.drop_index("user_id_1_course_id_1_lesson_id_1")
    async for doc in db.progress.find({"_id": {"$type": "objectId"}}):
        with contextlib.suppress(DuplicateKeyError):
            await db.progress.insert_one({**doc, "_id": pair_id(doc["user_id"], doc["lesson_id"])})
        await db.progress.delete_one({"_id": doc["_id"]})


def _progress(doc: Document) -> LessonProgress:
    return LessonProgress.model_validate(doc)


async def save(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    lesson_id: str,
    position: float,
    completed: bool,
) -> LessonProgress:
    """Stores the position; completion is sticky (watching again never un-completes)."""
    now = clock.now()
    update: Document = {
        "$set": {"position": position, "updated_at": now},
        "$setOnInsert": {"created_at": now},
    }
    if completed:
        update["$set"]["completed"] = True
        update["$set"]["completed_at"] = now
    else:
        update["$setOnInsert"]["completed"] = False
    update["$setOnInsert"] |= {"user_id": user_id, "course_id": course_id, "lesson_id": lesson_id}
    key = {"_id": pair_id(user_id, lesson_id)}  # by `_id` alone: see `db.set_if`
    return _progress(await upsert(db.progress, key, update))


async def of_lesson(*, db: Database, user_id: str, lesson_id: str) -> LessonProgress | None:
    doc = await db.progress.find_one({"_id": pair_id(user_id, lesson_id)})
    return _progress(doc) if doc else None


async def of_course(*, db: Database, user_id: str, course_id: str) -> list[LessonProgress]:
    cursor = db.progress.find({"user_id": user_id, "course_id": course_id})
    return [_progress(doc) async for doc in cursor]


async def completions(*, db: Database, course_id: str) -> dict[str, int]:
    """Returns, per lesson id, how many students completed it."""
    cursor = await db.progress.aggregate(
        [
            {"$match": {"course_id": course_id, "completed": True}},
            {"$group": {"_id": "$lesson_id", "n": {"$sum": 1}}},
        ]
    )
    return {doc["_id"]: doc["n"] async for doc in cursor}


async def delete_for_course(*, db: Database, course_id: str) -> None:
    await db.progress.delete_many({"course_id": course_id})
