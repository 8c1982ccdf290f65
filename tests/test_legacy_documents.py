"""Documents stored before the hot path addressed them by `_id` are carried over at start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING

from coursevault import clock, repos
from coursevault.database.db import Database
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource
from coursevault.progress import service as progress


async def test_progress_saved_by_fields_moves_to_its_id_and_keeps_its_position(
    db: Database,
) -> None:
    await db.progress.drop_indexes()
    await db.progress.create_index(
        [("user_id", ASCENDING), ("course_id", ASCENDING), ("lesson_id", ASCENDING)],
        unique=True,
    )
    legacy = ObjectId()
    await db.progress.insert_one(
        {
            "_id": legacy,
            "user_id": "u1",
            "course_id": "c1",
            "lesson_id": "l1",
            "position": 42.0,
            "completed": False,
            "created_at": clock.now(),
            "updated_at": clock.now(),
        }
    )
    for _ in range(2):  # every start runs it; the second run finds nothing to do
        await repos.ensure_indexes(db)
    assert await progress.resume_position(db=db, user_id="u1", lesson_id="l1") == 42.0
    assert await db.progress.find_one({"_id": legacy}) is None
    assert await db.progress.count_documents({}) == 1
    # Saving again updates the moved document instead of adding a second one.
    await progress.record(
        db=db, user_id="u1", course_id="c1", lesson_id="l1", position=50.0, video_duration=600
    )
    assert await db.progress.count_documents({}) == 1
    listed = await progress.course_progress(db=db, user_id="u1", course_id="c1", lesson_ids=["l1"])
    assert [(p.lesson_id, p.position) for p in listed.lessons] == [("l1", 50.0)]


async def test_stream_slots_of_a_previous_run_are_forgotten(db: Database) -> None:
    await db.stream_slots.drop_indexes()
    await db.stream_slots.create_index([("user_id", ASCENDING), ("slot", ASCENDING)], unique=True)
    await db.stream_slots.insert_one(
        {"user_id": "u1", "slot": 0, "session_id": "old", "lease_until": clock.now()}
    )
    await repos.ensure_indexes(db)
    assert await db.stream_slots.count_documents({}) == 0
    assert "user_id_1_slot_1" not in await db.stream_slots.index_information()


async def test_enrollments_of_an_older_version_become_grants_with_nothing_lost(
    db: Database,
) -> None:
    """One-time orders, free enrollments, unlocks and revocations carry over: same
    access, same start (drip counts from it), run twice without doubling anything."""
    bought = clock.now() - timedelta(days=10)
    legacy: list[dict[str, Any]] = [
        {"user_id": "u1", "course_id": "c1", "state": "active", "source": "order",
         "order_id": "o1", "order_version": 3, "created_at": bought, "unlocked": True},
        {"user_id": "u1", "course_id": "c2", "state": "active", "source": "free",
         "order_id": None, "order_version": 0, "created_at": bought},
        {"user_id": "u2", "course_id": "c1", "state": "revoked", "source": "order",
         "order_id": "o2", "order_version": 5, "created_at": bought},
    ]  # fmt: skip
    await db.enrollments.insert_many([{**doc, "updated_at": bought} for doc in legacy])
    for _ in range(2):
        await repos.ensure_indexes(db)
    paid = await enrollments.standing(db=db, user_id="u1", course_id="c1", published=True)
    assert paid is not None and paid.unlocked and paid.source == GrantSource.order
    assert abs((paid.since - bought).total_seconds()) < 0.01
    free = await enrollments.standing(db=db, user_id="u1", course_id="c2", published=True)
    assert free is not None and not free.unlocked and free.source == GrantSource.free
    assert await enrollments.standing(db=db, user_id="u2", course_id="c1", published=True) is None
    assert await db.grants.count_documents({}) == 3
    assert await db.enrollments.count_documents({}) == 3  # kept as they were
    # The order's snapshot version came along: an older snapshot cannot re-grant u2.
    assert not await enrollments.apply_order(
        db=db, user_id="u2", course_id="c1", order_id="o2", version=4, active=True
    )
    assert await enrollments.standing(db=db, user_id="u2", course_id="c1", published=True) is None
