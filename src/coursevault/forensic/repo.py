"""The only code that touches `forensic_marks`: which session each issued number of a
watermarked video was given to (kept for good: it is the evidence a trace relies on)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING

from coursevault.db import Database, Document, pair_id


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.forensic_marks.create_index([("video_id", ASCENDING), ("number", ASCENDING)])


async def record(
    *,
    db: Database,
    video_id: str,
    number: int,
    session_id: str,
    user_id: str,
    device: str,
    ip: str,
    started_at: datetime,
) -> None:
    await db.forensic_marks.insert_one(
        {
            "_id": pair_id(video_id, str(number)),
            "video_id": video_id,
            "number": number,
            "session_id": session_id,
            "user_id": user_id,
            "device": device,
            "ip": ip,
            "started_at": started_at,
        }
    )


async def find(*, db: Database, video_id: str, number: int) -> Document | None:
    return await db.forensic_marks.find_one({"_id": pair_id(video_id, str(number))})


async def numbers(*, db: Database, video_id: str) -> list[int]:
    cursor = db.forensic_marks.find({"video_id": video_id}, {"number": True})
    return [int(doc["number"]) async for doc in cursor]
