"""Documents stored before the hot path addressed them by `_id` are carried over at start."""

from __future__ import annotations

from bson import ObjectId
from pymongo import ASCENDING

from coursevault import clock, repos
from coursevault.database.db import Database
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
