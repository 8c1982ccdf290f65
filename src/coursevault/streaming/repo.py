"""The only code that touches `playback_sessions`, `stream_slots` and `lesson_plays`."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.db import Database, Document
from coursevault.streaming.models import PlaybackSession, PlayCounter
from coursevault.ttl_cache import TtlCache

SESSION_RETENTION = 90 * 24 * 3600  # seconds


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.playback_sessions.create_index([("user_id", ASCENDING), ("ended_at", ASCENDING)])
    await db.playback_sessions.create_index(
        [("user_id", ASCENDING), ("course_id", ASCENDING), ("ended_at", ASCENDING)]
    )
    # Sessions are evidence (who watched what, from where): kept 90 days after their lease.
    await db.playback_sessions.create_index("lease_until", expireAfterSeconds=SESSION_RETENTION)
    # A slot is one of a user's N concurrent streams; the unique index makes two racing
    # starts for the last free slot produce exactly one winner (K4).
    await db.stream_slots.create_index([("user_id", ASCENDING), ("slot", ASCENDING)], unique=True)
    await db.lesson_plays.create_index(
        [("user_id", ASCENDING), ("lesson_id", ASCENDING)], unique=True
    )


def _session(doc: Document) -> PlaybackSession:
    return PlaybackSession.model_validate(doc)


async def insert_session(*, db: Database, session: PlaybackSession) -> None:
    await db.playback_sessions.insert_one(session.model_dump(by_alias=True))
    _recent.put(session.id, session)  # its first key request follows at once


# Sessions recently read by the key endpoint (the hot path), reused for at most the
# caller's MAX_AGE; every write here refreshes or forgets its entry.
_recent: TtlCache[str, PlaybackSession] = TtlCache()


async def get_session(
    *, db: Database, session_id: str, max_age: float = 0.0
) -> PlaybackSession | None:
    """Returns the session (as read at most MAX_AGE seconds ago, when > 0)."""

    async def load() -> PlaybackSession | None:
        doc = await db.playback_sessions.find_one({"_id": session_id})
        return _session(doc) if doc else None

    return await _recent.get_or_load(session_id, max_age, load)


def _fresh(doc: Document | None) -> PlaybackSession | None:
    """Validates a session just written and refreshes this process's copy of it."""
    if doc is None:
        return None
    session = _session(doc)
    _recent.put(session.id, session)
    return session


async def live_sessions(*, db: Database, user_id: str, now: datetime) -> list[PlaybackSession]:
    """Returns USER_ID's sessions that have not ended and whose lease has not run out."""
    cursor = db.playback_sessions.find(
        {"user_id": user_id, "ended_at": None, "lease_until": {"$gt": now}}
    ).sort("started_at", ASCENDING)
    return [_session(doc) async for doc in cursor]


async def open_sessions_for_course(
    *, db: Database, user_id: str, course_id: str
) -> list[PlaybackSession]:
    """Returns USER_ID's sessions on COURSE_ID that have not ended (live or not)."""
    cursor = db.playback_sessions.find(
        {"user_id": user_id, "course_id": course_id, "ended_at": None}
    )
    return [_session(doc) async for doc in cursor]


async def renew(
    *, db: Database, session_id: str, user_id: str, until: datetime, position: float
) -> tuple[PlaybackSession, float] | None:
    """Extends a live session's lease and stores the position; returns the session and the
    position it had before (None if it is not live)."""
    now = clock.now()
    before = await db.playback_sessions.find_one_and_update(
        {"_id": session_id, "user_id": user_id, "ended_at": None, "lease_until": {"$gt": now}},
        {"$set": {"lease_until": until, "last_seen": now, "position": position}},
        return_document=ReturnDocument.BEFORE,
    )
    if before is None:
        return None
    session = _session({**before, "lease_until": until, "last_seen": now, "position": position})
    _recent.put(session.id, session)
    return session, float(before["position"])


async def renew_lease(*, db: Database, session_id: str, until: datetime) -> PlaybackSession | None:
    """Extends a live session's lease (a key fetch counts as a heartbeat); None if not live."""
    now = clock.now()
    doc = await db.playback_sessions.find_one_and_update(
        {"_id": session_id, "ended_at": None, "lease_until": {"$gt": now}},
        {"$set": {"lease_until": until, "last_seen": now}},
        return_document=ReturnDocument.AFTER,
    )
    return _fresh(doc)


async def end(
    *, db: Database, session_id: str, reason: str, **match: Any
) -> PlaybackSession | None:
    """Ends a session (once) and returns it; None if it was not running."""
    doc = await db.playback_sessions.find_one_and_update(
        {"_id": session_id, "ended_at": None, **match},
        {"$set": {"ended_at": clock.now(), "end_reason": reason}},
        return_document=ReturnDocument.AFTER,
    )
    _recent.forget(session_id)
    return _fresh(doc)


async def take_slot(
    *, db: Database, user_id: str, slot: int, session_id: str, until: datetime
) -> bool:
    """Claims slot SLOT of USER_ID for SESSION_ID; False when another session holds it."""
    try:
        await db.stream_slots.insert_one(
            {"user_id": user_id, "slot": slot, "session_id": session_id, "lease_until": until}
        )
    except DuplicateKeyError:
        return False
    return True


async def free_expired_slots(*, db: Database, user_id: str, now: datetime) -> None:
    """Frees USER_ID's slots whose session is no longer live.

    A slot's own lease is only a hint: key fetches renew the session's lease and not the
    slot's (one write less on the hot path), so a slot that looks expired is first checked
    against its session and kept, with the session's lease, while the session lives.
    """
    async for slot in db.stream_slots.find({"user_id": user_id, "lease_until": {"$lte": now}}):
        session = await db.playback_sessions.find_one(
            {"_id": slot["session_id"], "ended_at": None, "lease_until": {"$gt": now}},
            {"lease_until": 1},
        )
        if session is None:
            await db.stream_slots.delete_one(
                {"_id": slot["_id"], "lease_until": slot["lease_until"]}
            )
        else:
            await db.stream_slots.update_one(
                {"_id": slot["_id"]}, {"$set": {"lease_until": session["lease_until"]}}
            )


async def free_slot_of(*, db: Database, session_id: str) -> None:
    await db.stream_slots.delete_many({"session_id": session_id})


async def plays(*, db: Database, user_id: str, lesson_id: str) -> PlayCounter | None:
    """Returns USER_ID's play counter for the lesson (count and granted extras), or None."""
    doc = await db.lesson_plays.find_one({"user_id": user_id, "lesson_id": lesson_id})
    return PlayCounter.model_validate(doc) if doc else None


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
                    "course_id": course_id,
                    "count": 0,
                    "extra": 0,
                    "created_at": now,
                }
            },
            upsert=True,
        )
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
) -> PlayCounter:
    """Adds EXTRA plays to USER_ID's counter for the lesson and returns it."""
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
    return PlayCounter.model_validate(doc)
