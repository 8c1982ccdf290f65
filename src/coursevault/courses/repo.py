"""The only code that touches `courses`, `progress` and `lesson_plays`."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.db import Database, Document, register_indexes

PUBLISHED = "published"


@register_indexes
async def create_indexes(db: Database) -> None:
    await db.courses.create_index("slug", unique=True)
    await db.courses.create_index("instructor_id")
    await db.courses.create_index("status")
    await db.courses.create_index("sections.lessons.id")
    await db.progress.create_index(
        [("user_id", ASCENDING), ("course_id", ASCENDING), ("lesson_id", ASCENDING)],
        unique=True,
    )
    await db.progress.create_index([("course_id", ASCENDING), ("lesson_id", ASCENDING)])
    await db.lesson_plays.create_index(
        [("user_id", ASCENDING), ("lesson_id", ASCENDING)], unique=True
    )


async def insert_course(*, db: Database, doc: Document) -> bool:
    """Stores a new course; False when its slug is taken."""
    try:
        await db.courses.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def get_course(*, db: Database, course_id: str) -> Document | None:
    return await db.courses.find_one({"_id": course_id})


async def get_by_slug(*, db: Database, slug: str) -> Document | None:
    return await db.courses.find_one({"slug": slug})


async def course_of_lesson(*, db: Database, lesson_id: str) -> Document | None:
    return await db.courses.find_one({"sections.lessons.id": lesson_id})


async def using_video(*, db: Database, video_id: str) -> list[Document]:
    cursor = db.courses.find({"sections.lessons.video_id": video_id}, {"title": 1})
    return [doc async for doc in cursor]


async def get_many(*, db: Database, course_ids: list[str]) -> list[Document]:
    return [doc async for doc in db.courses.find({"_id": {"$in": course_ids}})]


async def by_instructor(*, db: Database, instructor_id: str) -> list[Document]:
    cursor = db.courses.find({"instructor_id": instructor_id}).sort("created_at", DESCENDING)
    return [doc async for doc in cursor]


def _catalog_filter(query: str) -> Document:
    match: Document = {"status": PUBLISHED}
    words = query.split()[:8]
    if words:
        # Every word must appear in the title or the description (case-insensitive);
        # words are escaped, so a query is never a regular expression of its own.
        match["$and"] = [
            {
                "$or": [
                    {"title": {"$regex": re.escape(word), "$options": "i"}},
                    {"description": {"$regex": re.escape(word), "$options": "i"}},
                ]
            }
            for word in words
        ]
    return match


async def catalog(*, db: Database, query: str, skip: int, limit: int) -> tuple[list[Document], int]:
    """Returns one page of published courses matching QUERY, newest first, and the total."""
    match = _catalog_filter(query)
    total = await db.courses.count_documents(match)
    cursor = db.courses.find(match).sort("published_at", DESCENDING).skip(skip).limit(limit)
    return [doc async for doc in cursor], total


async def update_course(
    *, db: Database, course_id: str, expect: Document | None = None, **fields: Any
) -> Document | None:
    """Sets FIELDS (bumping the version) when the course matches EXPECT; None otherwise."""
    return await db.courses.find_one_and_update(
        {"_id": course_id, **(expect or {})},
        {"$set": {**fields, "updated_at": clock.now()}, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )


async def delete_course(*, db: Database, course_id: str) -> None:
    await db.courses.delete_one({"_id": course_id})
    await db.progress.delete_many({"course_id": course_id})
    await db.lesson_plays.delete_many({"course_id": course_id})


async def save_progress(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    lesson_id: str,
    position: float,
    completed: bool,
) -> Document:
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
    key = {"user_id": user_id, "course_id": course_id, "lesson_id": lesson_id}
    for _ in range(2):  # two first saves racing: the loser's upsert retries as an update
        try:
            doc = await db.progress.find_one_and_update(
                key, update, upsert=True, return_document=ReturnDocument.AFTER
            )
            assert doc is not None
            return doc
        except DuplicateKeyError:
            continue
    raise RuntimeError("progress upsert kept colliding")


async def lesson_progress(*, db: Database, user_id: str, lesson_id: str) -> Document | None:
    return await db.progress.find_one({"user_id": user_id, "lesson_id": lesson_id})


async def progress_of(*, db: Database, user_id: str, course_id: str) -> list[Document]:
    cursor = db.progress.find({"user_id": user_id, "course_id": course_id})
    return [doc async for doc in cursor]


async def completions(*, db: Database, course_id: str) -> dict[str, int]:
    """Returns, per lesson id, how many students completed it."""
    cursor = await db.progress.aggregate(
        [
            {"$match": {"course_id": course_id, "completed": True}},
            {"$group": {"_id": "$lesson_id", "n": {"$sum": 1}}},
        ]
    )
    return {doc["_id"]: doc["n"] async for doc in cursor}


async def plays(*, db: Database, user_id: str, lesson_id: str) -> Document | None:
    return await db.lesson_plays.find_one({"user_id": user_id, "lesson_id": lesson_id})


async def count_play(
    *, db: Database, user_id: str, course_id: str, lesson_id: str, limit: int
) -> bool:
    """Counts one play if USER_ID has plays left (LIMIT plus granted extras); atomic."""
    now = clock.now()
    with contextlib.suppress(DuplicateKeyError):  # created by a racing start
        await db.lesson_plays.update_one(
            {"user_id": user_id, "lesson_id": lesson_id},
            {
                "$setOnInsert": {
                    "course_id": course_id, "count": 0, "extra": 0, "created_at": now,
                }
            },
            upsert=True,
        )  # fmt: skip
    counted = await db.lesson_plays.find_one_and_update(
        {
            "user_id": user_id,
            "lesson_id": lesson_id,
            "$expr": {"$lt": ["$count", {"$add": [limit, "$extra"]}]},
        },
        {"$inc": {"count": 1}, "$set": {"last_play_at": now}},
    )
    return counted is not None


async def grant_plays(
    *, db: Database, user_id: str, course_id: str, lesson_id: str, extra: int
) -> Document:
    doc = await db.lesson_plays.find_one_and_update(
        {"user_id": user_id, "lesson_id": lesson_id},
        {
            "$inc": {"extra": extra},
            "$setOnInsert": {"course_id": course_id, "count": 0, "created_at": clock.now()},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None
    return doc
