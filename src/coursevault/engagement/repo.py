"""The only code that touches `lesson_engagement` (one document per lesson: counters per
10-second bucket, increased by sessions' flushes)."""

from __future__ import annotations

from coursevault.database.db import Database, Document, any_of
from coursevault.engagement.curve import Flush


async def add(*, db: Database, lesson_id: str, course_id: str, flushed: Flush) -> None:
    """Adds one flush to the lesson's totals (one write)."""
    increments: dict[str, int] = {f"plays.{b}": n for b, n in flushed.plays.items()}
    increments.update({f"reach.{b}": 1 for b in flushed.reached})
    if flushed.new_view:
        increments["views"] = 1
    if not increments:
        return
    await db.lesson_engagement.update_one(
        {"_id": lesson_id},
        {"$inc": increments, "$setOnInsert": {"course_id": course_id}},
        upsert=True,
    )


async def get(*, db: Database, lesson_id: str) -> Document | None:
    return await db.lesson_engagement.find_one({"_id": lesson_id})


async def views(*, db: Database, lesson_ids: list[str]) -> dict[str, int]:
    """The views counted for each of LESSON_IDS that has any (one read)."""
    cursor = db.lesson_engagement.find({"_id": {"$in": lesson_ids}}, {"views": True})
    return {str(doc["_id"]): int(doc.get("views", 0)) async for doc in cursor}


async def reach(*, db: Database, lesson_ids: list[str]) -> dict[str, Document]:
    """The views and per-bucket reach of each of LESSON_IDS that has any (one read)."""
    if (lessons := any_of(lesson_ids)) is None:
        return {}
    cursor = db.lesson_engagement.find({"_id": lessons}, {"views": True, "reach": True})
    return {str(doc["_id"]): doc async for doc in cursor}
