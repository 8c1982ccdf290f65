"""The only code that touches `courses`."""

from __future__ import annotations

import re
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document
from coursevault.ttl_cache import TtlCache

PUBLISHED = "published"


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.courses.create_index("slug", unique=True)
    await db.courses.create_index("instructor_id")
    await db.courses.create_index("status")
    await db.courses.create_index("sections.lessons.id")


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


# Courses recently found by a lesson, for playback starts (many viewers, one lesson); any
# course write in this process forgets them all.
_by_lesson: TtlCache[str, Document] = TtlCache("courses.by_lesson")


async def course_of_lesson(
    *, db: Database, lesson_id: str, max_age: float = 0.0
) -> Document | None:
    """Returns the course holding LESSON_ID (as read at most MAX_AGE seconds ago, when > 0)."""

    async def load() -> Document | None:
        return await db.courses.find_one({"sections.lessons.id": lesson_id})

    return await _by_lesson.get_or_load(lesson_id, max_age, load)


async def using_video(*, db: Database, video_id: str, outline: bool = False) -> list[Document]:
    """The courses with a lesson that plays VIDEO_ID: their titles (and, with OUTLINE,
    their sections)."""
    fields = {"title": 1, "sections": 1} if outline else {"title": 1}
    cursor = db.courses.find({"sections.lessons.video_id": video_id}, fields)
    return [doc async for doc in cursor]


async def get_many(*, db: Database, course_ids: list[str]) -> list[Document]:
    return [doc async for doc in db.courses.find({"_id": {"$in": course_ids}})]


async def published_ids(*, db: Database) -> list[str]:
    """Every published course's id, newest first (a site-wide membership's library)."""
    cursor = db.courses.find({"status": PUBLISHED}, {"_id": 1}).sort("published_at", DESCENDING)
    return [str(doc["_id"]) async for doc in cursor]


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
    updated = await db.courses.find_one_and_update(
        {"_id": course_id, **(expect or {})},
        {"$set": {**fields, "updated_at": clock.now()}, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
    _by_lesson.clear()
    return updated


async def delete_course(*, db: Database, course_id: str) -> None:
    await db.courses.delete_one({"_id": course_id})
    _by_lesson.clear()
