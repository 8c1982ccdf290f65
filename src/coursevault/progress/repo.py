"""The only code that touches `progress`."""

from __future__ import annotations

import contextlib
import secrets

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document, any_of, pair_id, upsert
from coursevault.progress.models import LessonProgress, WatchEvidence


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
    evidence: WatchEvidence | None = None,
    expect_rev: str | None = None,
) -> LessonProgress | None:
    """Stores the position; completion is sticky (watching again never un-completes).

    With EVIDENCE, its stretches, wall-clock end and completion are stored too, but only
    if the stored evidence is still at EXPECT_REV (None when there was none); otherwise
    nothing is written and None returned (another heartbeat counted first: read again)."""
    if evidence is not None:
        return await _save_evidence(
            db, user_id, course_id, lesson_id, position, evidence, expect_rev
        )
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


async def _save_evidence(
    db: Database,
    user_id: str,
    course_id: str,
    lesson_id: str,
    position: float,
    evidence: WatchEvidence,
    expect_rev: str | None,
) -> LessonProgress | None:
    now = clock.now()
    rev = secrets.token_hex(8)  # unique, so reading it back tells whether this write won
    values: Document = {
        "user_id": user_id,
        "course_id": course_id,
        "lesson_id": lesson_id,
        "position": position,
        "updated_at": now,
        "completed": evidence.completed,
        "watched": [list(stretch) for stretch in evidence.watched],
        "evidence_until": evidence.evidence_until,
        "evidence_rev": rev,
    }
    unchanged = {"$eq": [{"$ifNull": ["$evidence_rev", None]}, expect_rev]}
    fields: Document = {
        field: {"$cond": [unchanged, {"$literal": value}, f"${field}"]}
        for field, value in values.items()
    }
    fields["created_at"] = {"$ifNull": ["$created_at", now]}
    # Completion is sticky, and dated the first time only.
    dated = {"$ifNull": ["$completed_at", None]}
    first = {"$and": [unchanged, evidence.completed, {"$eq": [dated, None]}]}
    fields["completed_at"] = {"$cond": [first, now, dated]}
    key = {"_id": pair_id(user_id, lesson_id)}
    doc = await upsert(db.progress, key, [{"$set": fields}])
    return _progress(doc) if doc.get("evidence_rev") == rev else None


async def evidence(*, db: Database, user_id: str, lesson_id: str) -> WatchEvidence:
    """Returns what was stored of USER_ID watching the lesson (empty when nothing)."""
    doc = await db.progress.find_one({"_id": pair_id(user_id, lesson_id)})
    return WatchEvidence.model_validate(doc) if doc else WatchEvidence()


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


async def finishers(*, db: Database, course_id: str, lesson_ids: list[str]) -> list[str]:
    """The users who completed every lesson of LESSON_IDS in COURSE_ID (one aggregation
    over the (course, lesson) index)."""
    if (lessons := any_of(lesson_ids)) is None:
        return []
    cursor = await db.progress.aggregate(
        [
            {
                "$match": {
                    "course_id": course_id,
                    "lesson_id": lessons,
                    "completed": True,
                }
            },
            {"$group": {"_id": "$user_id", "n": {"$sum": 1}}},
            {"$match": {"n": len(set(lesson_ids))}},
        ]
    )
    return [doc["_id"] async for doc in cursor]


async def delete_for_course(*, db: Database, course_id: str) -> None:
    await db.progress.delete_many({"course_id": course_id})
