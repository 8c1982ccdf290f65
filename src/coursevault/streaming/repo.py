"""The only code that touches `playback_sessions`, `stream_slots` (with each account's
playback start counter) and `lesson_plays`."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document, any_of, pair_id, set_if, upsert
from coursevault.engagement.curve import MAX_TRAIL
from coursevault.streaming.models import PlaybackSession, PlayCounter
from coursevault.ttl_cache import TtlCache

SESSION_RETENTION = 90 * 24 * 3600  # seconds
WITHOUT_TRAIL = {"trail": False}  # the hot path never needs a session's heartbeat trail


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.playback_sessions.create_index([("user_id", ASCENDING), ("ended_at", ASCENDING)])
    await db.playback_sessions.create_index(
        [("user_id", ASCENDING), ("course_id", ASCENDING), ("ended_at", ASCENDING)]
    )
    # The studio dashboard's "watching now" per course.
    await db.playback_sessions.create_index([("course_id", ASCENDING), ("lease_until", ASCENDING)])
    # Sessions are evidence (who watched what, from where): kept 90 days after their lease.
    await db.playback_sessions.create_index("lease_until", expireAfterSeconds=SESSION_RETENTION)
    await _drop_legacy_slots(db)
    await db.lesson_plays.create_index(
        [("user_id", ASCENDING), ("lesson_id", ASCENDING)], unique=True
    )
    # Start counters (K9) live on each account's slot 0 document since 2026-12; the old
    # collection's documents only held a timestamp.
    await db.playback_starts.drop()


async def _drop_legacy_slots(db: Database) -> None:
    # Before slots were addressed by (user, slot) in their `_id`, a unique index kept them
    # apart; those documents describe streams of a previous run and are safe to forget.
    if "user_id_1_slot_1" in await db.stream_slots.index_information():
        await db.stream_slots.drop_index("user_id_1_slot_1")
        await db.stream_slots.delete_many({"_id": {"$type": "objectId"}})


def _session(doc: Document) -> PlaybackSession:
    return PlaybackSession.model_validate(doc)


async def insert_session(*, db: Database, session: PlaybackSession) -> None:
    await db.playback_sessions.insert_one(session.model_dump(by_alias=True))
    _recent.put(session.id, session)  # its first key request follows at once


# Sessions recently read by the key endpoint (the hot path), reused for at most the
# caller's MAX_AGE; every write here refreshes or forgets its entry.
_recent: TtlCache[str, PlaybackSession] = TtlCache("streaming.sessions")


async def get_session(
    *, db: Database, session_id: str, max_age: float = 0.0
) -> PlaybackSession | None:
    """Returns the session (as read at most MAX_AGE seconds ago, when > 0)."""

    async def load() -> PlaybackSession | None:
        doc = await db.playback_sessions.find_one({"_id": session_id}, WITHOUT_TRAIL)
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
        {"user_id": user_id, "ended_at": None, "lease_until": {"$gt": now}}, WITHOUT_TRAIL
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


async def course_activity(
    *, db: Database, since: Mapping[str, datetime], course_id: str, now: datetime
) -> dict[str, tuple[datetime, bool]]:
    """Per user of SINCE who watched COURSE_ID in sessions started at or after their time
    in SINCE: when one of those was last seen, and whether one is live now (one
    aggregation over the (user, course) index, for a team's seat list)."""
    started = [{"user_id": user, "started_at": {"$gte": at}} for user, at in since.items()]
    cursor = await db.playback_sessions.aggregate(
        [
            {"$match": {"user_id": {"$in": list(since)}, "course_id": course_id}},
            {"$match": {"$or": started}},
            {
                "$group": {
                    "_id": "$user_id",
                    "last_seen": {"$max": "$last_seen"},
                    "live": {"$max": {"$cond": [_live(now), 1, 0]}},
                }
            },
        ]
    )
    return {doc["_id"]: (doc["last_seen"], bool(doc["live"])) async for doc in cursor}


async def live_viewers(
    *, db: Database, course_ids: list[str], now: datetime
) -> dict[str, set[str]]:
    """Per course of COURSE_IDS with live sessions: the users watching it now."""
    courses = any_of(course_ids)
    if courses is None:
        return {}
    cursor = db.playback_sessions.find(
        {"course_id": courses, "lease_until": {"$gt": now}, "ended_at": None},
        {"course_id": True, "user_id": True},
    )
    found: dict[str, set[str]] = {}
    async for doc in cursor:
        found.setdefault(doc["course_id"], set()).add(doc["user_id"])
    return found


def _running(*extra: Document, **match: str) -> Document:
    """An aggregation condition: the session has not ended and has MATCH's fields."""
    equal = ({"$eq": [f"${field}", value]} for field, value in match.items())
    return {"$and": [{"$eq": ["$ended_at", None]}, *extra, *equal]}


def _live(now: datetime, **match: str) -> Document:
    """The aggregation form of `PlaybackSession.live_at(now)` (and of MATCH)."""
    return _running({"$gt": ["$lease_until", now]}, **match)


class Renewed(NamedTuple):
    session: PlaybackSession  # as it is now (its trail included)
    previous: float  # the position it had before
    point_added: bool  # the heartbeat is the last point of the trail (not full yet)


async def renew(
    *, db: Database, session_id: str, user_id: str, until: datetime, position: float
) -> Renewed | None:
    """Extends a live session's lease and stores the position; None if it is not live, or
    not USER_ID's."""
    now = clock.now()
    changes = {"lease_until": until, "last_seen": now, "position": position}
    live = _live(now, user_id=user_id)
    update = set_if(live, changes)
    # The same write appends the heartbeat to the trail (kept to MAX_TRAIL points).
    point = [{"$divide": [{"$subtract": [now, "$started_at"]}, 1000]}, position]
    grown = {"$concatArrays": [{"$ifNull": ["$trail", []]}, [point]]}
    update[0]["$set"]["trail"] = {
        "$cond": [live, {"$slice": [grown, MAX_TRAIL]}, {"$ifNull": ["$trail", []]}]
    }
    before = await db.playback_sessions.find_one_and_update(
        {"_id": session_id}, update, return_document=ReturnDocument.BEFORE
    )
    if before is None:
        return None
    session = _session(before)
    if not session.live_at(now) or session.user_id != user_id:
        return None
    trail = session.trail
    added = len(trail) < MAX_TRAIL
    if added:
        trail = [*trail, ((now - session.started_at).total_seconds(), position)]
    renewed = session.model_copy(update={**changes, "trail": trail})
    _recent.put(renewed.id, renewed.model_copy(update={"trail": []}))
    return Renewed(renewed, session.position, added)


async def renew_lease(*, db: Database, session_id: str, until: datetime) -> PlaybackSession | None:
    """Extends a live session's lease (a key fetch counts as a heartbeat); None if not live."""
    now = clock.now()
    changes = {"lease_until": until, "last_seen": now}
    before = await db.playback_sessions.find_one_and_update(
        {"_id": session_id},
        set_if(_live(now), changes),
        projection=WITHOUT_TRAIL,
        return_document=ReturnDocument.BEFORE,
    )
    if before is None or not _session(before).live_at(now):
        return None
    return _fresh({**before, **changes})


async def end(
    *, db: Database, session_id: str, reason: str, **match: str
) -> PlaybackSession | None:
    """Ends a session (once; of MATCH's owner when given) and returns it; None if it was not
    running."""
    changes = {"ended_at": clock.now(), "end_reason": reason}
    before = await db.playback_sessions.find_one_and_update(
        {"_id": session_id},
        set_if(_running(**match), changes),
        return_document=ReturnDocument.BEFORE,
    )
    _recent.forget(session_id)
    if before is None or before["ended_at"] is not None:
        return None
    if any(before.get(field) != value for field, value in match.items()):
        return None
    return _session({**before, **changes})


# A slot is one of a user's N concurrent streams (K4): one document per (user, slot
# number) naming the session that holds it. A start claims a free slot, or takes over one
# whose session is no longer live; both are single atomic updates, so two racing starts
# for the last free slot produce exactly one winner.


def _slot_id(user_id: str, slot: int) -> str:
    return pair_id(user_id, str(slot))


@dataclass(frozen=True)
class StartRate:
    """An account's playback-start allowance (K9): BURST starts at once, then one more per
    INTERVAL. Counted on the account's slot 0 document with the generic cell rate
    algorithm: `tat`, the "theoretical arrival time" of its next start, allows a start
    while it is at most BURST - 1 intervals ahead of now, and moves one interval on."""

    interval: timedelta
    burst: int

    def wait(self, slot: Document, now: datetime) -> timedelta | None:
        """None when the claim that returned SLOT counted its start, else how long until
        the account may start again."""
        if slot["allowed"]:
            return None
        wait: timedelta = slot["tat"] - (now + self.interval * (self.burst - 1))
        return max(wait, timedelta(0))


def _count_start(rate: StartRate, now: datetime) -> list[Document]:
    tat = {"$ifNull": ["$tat", now]}
    ahead = now + rate.interval * (rate.burst - 1)
    moved = {"$add": [{"$max": [tat, now]}, rate.interval // timedelta(milliseconds=1)]}
    return [
        {"$set": {"allowed": {"$lte": [tat, ahead]}}},
        {"$set": {"tat": {"$cond": ["$allowed", moved, tat]}}},
    ]


async def claim_slot(
    *,
    db: Database,
    user_id: str,
    slot: int,
    session_id: str,
    until: datetime,
    free_if: str | None,
    counting: StartRate | None = None,
    now: datetime | None = None,
) -> Document:
    """Gives slot SLOT of USER_ID to SESSION_ID if it is held by FREE_IF (None: free or
    new); returns the slot as it is afterwards, whoever holds it.

    COUNTING (a start's first claim, always of slot 0) makes the same update count one
    playback start of the account at NOW first (K9), and claim nothing when the account
    has none left (`COUNTING.wait` tells): one write instead of two on every start, the
    embedded database's scarcest resource on launch day (docs/performance.md)."""
    holder = {"$ifNull": ["$session_id", None]}
    free: Document = {"$eq": [holder, free_if]}
    stages: list[Document] = []
    if counting is not None:
        stages = _count_start(counting, now or clock.now())
        free = {"$and": ["$allowed", free]}
    pipeline = stages + set_if(
        free,
        # The claim's own lease covers the moment before the session is stored.
        {"user_id": user_id, "slot": slot, "session_id": session_id, "lease_until": until},
    )
    return await upsert(db.stream_slots, {"_id": _slot_id(user_id, slot)}, pipeline)


async def release_slot(*, db: Database, user_id: str, slot: int, session_id: str) -> None:
    """Frees slot SLOT of USER_ID if SESSION_ID still holds it."""
    await db.stream_slots.update_one(
        {"_id": _slot_id(user_id, slot)},
        set_if({"$eq": ["$session_id", session_id]}, {"session_id": None}),
    )


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


async def count_live(*, db: Database, now: datetime) -> int:
    """Returns how many playback sessions hold a running lease."""
    return await db.playback_sessions.count_documents(
        {"ended_at": None, "lease_until": {"$gt": now}}
    )
