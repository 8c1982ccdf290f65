"""The only code that touches `forensic_accounts` and `forensic_marks`: which number each
account got for a watermarked video, and which sessions were served under each number
(kept for good: the evidence a trace relies on)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from coursevault.database.db import Database, Document, pair_id

# The number of a session served the plain stream: every segment A, no codeword (F7).
UNMARKED = 0


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.forensic_marks.create_index([("video_id", ASCENDING), ("number", ASCENDING)])


async def account_number(*, db: Database, video_id: str, user_id: str) -> int | None:
    """The number USER_ID's sessions of VIDEO_ID are served under, if it has one yet."""
    # By `_id`: this runs at every marked playback start (docs/performance.md).
    doc = await db.forensic_accounts.find_one({"_id": pair_id(video_id, user_id)})
    return int(doc["number"]) if doc else None


async def claim_number(
    *, db: Database, video_id: str, user_id: str, number: int, at: datetime
) -> int:
    """Gives USER_ID the fresh NUMBER for VIDEO_ID unless a racing start already gave it
    one; returns the account's number either way (the loser's NUMBER is never used)."""
    try:
        await db.forensic_accounts.insert_one(
            {
                "_id": pair_id(video_id, user_id),
                "video_id": video_id,
                "user_id": user_id,
                "number": number,
                "issued_at": at,
            }
        )
    except DuplicateKeyError:
        won = await account_number(db=db, video_id=video_id, user_id=user_id)
        assert won is not None  # the racing start's document exists: it refused ours
        return won
    return number


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
    """Records that session SESSION_ID was served under NUMBER (UNMARKED: the video's plain
    stream, while it had no variants yet, F7)."""
    # Marks written before numbers were per account have `_id` `video:number` (one number
    # per session); a session id has no colon, so the two never collide.
    await db.forensic_marks.insert_one(
        {
            "_id": session_id,
            "video_id": video_id,
            "number": number,
            **({"unmarked": True} if number == UNMARKED else {}),
            "session_id": session_id,
            "user_id": user_id,
            "device": device,
            "ip": ip,
            "started_at": started_at,
        }
    )


async def unmarked_sessions(*, db: Database, video_id: str) -> list[Document]:
    """The sessions of VIDEO_ID recorded as served unmarked (F7), oldest first."""
    cursor = db.forensic_marks.find({"video_id": video_id, "number": 0, "unmarked": True})
    return sorted([doc async for doc in cursor], key=lambda doc: doc["started_at"])


async def sessions(*, db: Database, video_id: str, number: int) -> list[Document]:
    """The sessions served under NUMBER, oldest first."""
    cursor = db.forensic_marks.find({"video_id": video_id, "number": number})
    return sorted([doc async for doc in cursor], key=lambda doc: doc["started_at"])


async def numbers(*, db: Database, video_id: str) -> list[int]:
    """The distinct numbers any session of VIDEO_ID was served under (the trace's
    candidates)."""
    cursor = db.forensic_marks.find({"video_id": video_id}, {"number": True})
    return sorted({int(doc["number"]) async for doc in cursor})
