"""No silent gap (F7): while a watermarked course's video has no forensic variants yet (the
re-package the policy queued is running), a playback start either waits (`wait`, the
default: 409 protected_copy_pending with the progress) or plays the plain stream and is
recorded as unmarked (`play_unmarked`); the studio calls the course watermarked only once
every video lesson's video has its variants."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.forensic import repo as forensic_repo
from tests.course_helpers import BuiltCourse, make_course, start_lesson
from tests.factories import SignedIn, signed_in
from tests.media_helpers import PackagedVideo


async def enrolled(
    client: httpx.AsyncClient, db: Database, settings: Settings, course: BuiltCourse
) -> SignedIn:
    student = await signed_in(client, db, settings)
    joined = await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    assert joined.is_success, joined.text
    return student


async def watermark(
    client: httpx.AsyncClient, teacher: SignedIn, course: BuiltCourse, **policy: Any
) -> None:
    saved = await client.patch(
        f"/api/courses/{course.id}",
        json={"policy": {"forensic_watermark": True, **policy}},
        headers=teacher.bearer,
    )
    assert saved.status_code == 200, saved.text


async def variants_ready(client: httpx.AsyncClient, teacher: SignedIn, video_id: str) -> None:
    async with asyncio.timeout(60):
        while True:
            video = (await client.get(f"/api/videos/{video_id}", headers=teacher.bearer)).json()
            if video["forensic_watermark"]:
                assert video["forensic_progress"] is None
                return
            assert 0.0 <= video["forensic_progress"] <= 1.0
            await asyncio.sleep(0.2)


async def studio_view(
    client: httpx.AsyncClient, teacher: SignedIn, course: BuiltCourse
) -> dict[str, Any]:
    read = await client.get(f"/api/courses/{course.id}", headers=teacher.bearer)
    assert read.status_code == 200, read.text
    body: dict[str, Any] = read.json()
    return body


def video_lessons(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        lesson
        for section in course["sections"]
        for lesson in section["lessons"]
        if lesson["kind"] == "video"
    ]


async def test_F7_wait_answers_pending_with_progress_then_plays_marked(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video)
    assert course.video_lesson
    student = await enrolled(client, db, settings, course)
    await watermark(client, instructor, course)  # `unmarked_start` left at its default

    pending = await start_lesson(client, student.bearer, course.video_lesson)
    assert pending.status_code == 409, pending.text
    error = pending.json()["error"]
    assert error["code"] == "protected_copy_pending"
    assert 0.0 <= error["detail"]["progress"] <= 1.0
    assert error["detail"]["retry_after"] == int(pending.headers["Retry-After"]) > 0
    assert await db.forensic_marks.count_documents({}) == 0  # nothing served, nothing on record
    assert await db.playback_sessions.count_documents({}) == 0
    # Waiting costs no start (K9): a player asking again every few seconds is never limited.
    for _ in range(12):
        again = await start_lesson(client, student.bearer, course.video_lesson)
        if again.status_code != 409:
            break
        assert again.json()["error"]["code"] == "protected_copy_pending"

    await variants_ready(client, instructor, ready_video)
    started = await start_lesson(client, student.bearer, course.video_lesson)
    assert started.status_code == 201, started.text
    mark = await db.forensic_marks.find_one({"_id": started.json()["session_id"]})
    assert mark is not None and mark["number"] >= 1 and not mark.get("unmarked")


async def test_F7_play_unmarked_plays_at_once_and_records_the_session(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video)
    assert course.video_lesson
    student = await enrolled(client, db, settings, course)
    await watermark(client, instructor, course, unmarked_start="play_unmarked")
    read = await studio_view(client, instructor, course)
    assert read["policy"]["unmarked_start"] == "play_unmarked"

    started = await start_lesson(client, student.bearer, course.video_lesson, device="Laptop")
    assert started.status_code == 201, started.text
    # Nothing in this picture traces it, so no window without the page's watermark.
    assert started.json()["picture_in_picture"] is False
    session_id = started.json()["session_id"]
    base = started.json()["playlist_url"].rsplit("/", 1)[0]
    playlist = await client.get(f"{base}/240p.m3u8")
    assert playlist.status_code == 200 and "_a_" not in playlist.text  # the plain stream

    unmarked = await forensic_repo.unmarked_sessions(db=db, video_id=ready_video)
    assert len(unmarked) == 1
    record = unmarked[0]
    assert record["_id"] == session_id
    assert record["video_id"] == ready_video
    assert record["number"] == 0 and record["unmarked"] is True
    assert record["user_id"] == student.user.id
    assert record["device"] == "Laptop" and record["ip"] and record["started_at"]

    await variants_ready(client, instructor, ready_video)
    later = await start_lesson(client, student.bearer, course.video_lesson)
    assert later.status_code == 201, later.text
    assert later.json()["picture_in_picture"] is True  # marked now
    mark = await db.forensic_marks.find_one({"_id": later.json()["session_id"]})
    assert mark is not None and mark["number"] >= 1 and not mark.get("unmarked")
    assert len(await forensic_repo.unmarked_sessions(db=db, video_id=ready_video)) == 1


async def test_F7_the_studio_calls_the_course_watermarked_once_every_video_has_variants(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
    packaged_video: PackagedVideo,
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video)
    before = await studio_view(client, instructor, course)
    assert before["forensic_watermark"] is False  # the policy is off
    await watermark(client, instructor, course)

    pending = await studio_view(client, instructor, course)
    assert pending["policy"]["forensic_watermark"] is True
    assert pending["forensic_watermark"] is False
    for lesson in video_lessons(pending):
        assert lesson["video_forensic_watermark"] is False
        assert 0.0 <= lesson["video_forensic_progress"] <= 1.0
    await variants_ready(client, instructor, ready_video)
    marked = await studio_view(client, instructor, course)
    assert marked["forensic_watermark"] is True
    for lesson in video_lessons(marked):
        assert lesson["video_forensic_watermark"] is True
        assert lesson["video_forensic_progress"] is None

    # A lesson with a video that has no variants yet: not watermarked until it has them.
    second = await packaged_video.copy_for(db, settings, instructor.user)
    added = await client.post(
        f"/api/courses/{course.id}/sections/{marked['sections'][0]['id']}/lessons",
        json={"title": "Part two", "kind": "video", "video_id": second},
        headers=instructor.bearer,
    )
    assert added.status_code == 201, added.text
    mixed = await studio_view(client, instructor, course)
    assert mixed["forensic_watermark"] is False
    states = {
        lesson["video_id"]: lesson["video_forensic_watermark"] for lesson in video_lessons(mixed)
    }
    assert states == {ready_video: True, second: False}
    await variants_ready(client, instructor, second)
    assert (await studio_view(client, instructor, course))["forensic_watermark"] is True

    # What others see of the course says nothing about its videos.
    student = await enrolled(client, db, settings, course)
    seen = (await client.get(f"/api/courses/{course.id}", headers=student.bearer)).json()
    assert seen["forensic_watermark"] is None
    assert all(lesson["video_forensic_watermark"] is None for lesson in video_lessons(seen))


@pytest.mark.parametrize("settings_overrides", [{"access_cache_seconds": 0}])
async def test_F7_a_session_started_before_the_watermark_loses_its_keys_once_it_is_on(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    """A stream that began unwatermarked and is on no record must not go on once the course
    is watermarked: its next key is refused; a session recorded unmarked plays on."""
    course = await make_course(db, instructor.user, video_id=ready_video)
    assert course.video_lesson
    before = await enrolled(client, db, settings, course)
    started = await start_lesson(client, before.bearer, course.video_lesson)
    assert started.status_code == 201, started.text
    key = started.json()["playlist_url"].rsplit("/", 1)[0] + "/key/0"
    assert (await client.get(key, headers=before.bearer)).status_code == 200
    await watermark(client, instructor, course, unmarked_start="play_unmarked")
    refused = await client.get(key, headers=before.bearer)
    assert refused.status_code in (401, 403, 404), refused.text
    # One started now, during the window, is on record as unmarked and keeps its keys.
    during = await enrolled(client, db, settings, course)
    recorded = await start_lesson(client, during.bearer, course.video_lesson)
    assert recorded.status_code == 201, recorded.text
    key = recorded.json()["playlist_url"].rsplit("/", 1)[0] + "/key/0"
    assert (await client.get(key, headers=during.bearer)).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"inprocess_worker": False}])
async def test_F7_wait_does_not_wait_for_variants_nobody_is_making(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    """When the re-package failed (its flag cleared), a `wait` start says so at once
    instead of a pending answer the player would retry for ever."""
    course = await make_course(db, instructor.user, video_id=ready_video)
    assert course.video_lesson
    student = await enrolled(client, db, settings, course)
    await watermark(client, instructor, course)
    pending = await start_lesson(client, student.bearer, course.video_lesson)
    assert pending.json()["error"]["code"] == "protected_copy_pending"  # queued, no worker
    # What a failed re-package leaves (media.jobs.mark_failed clears the request).
    await db.videos.update_one({"_id": ready_video}, {"$set": {"forensic_requested": False}})
    await asyncio.sleep(settings.access_cache_seconds + 0.5)  # past the cached video
    refused = await start_lesson(client, student.bearer, course.video_lesson)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "protected_copy_unavailable"
    assert "Retry-After" not in refused.headers
