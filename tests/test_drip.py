"""Drip release: lessons that open days after enrollment or on a date, refused before
then (lesson, playback start and key alike), shown in the outline, unlockable per student."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, key_url, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"access_cache_seconds": 0}  # the key check sees a changed rule at once


async def section_of(client: httpx.AsyncClient, who: SignedIn, course: BuiltCourse) -> str:
    outline = (await client.get(f"/api/courses/{course.id}", headers=who.bearer)).json()
    return str(outline["sections"][0]["id"])


async def set_release(
    client: httpx.AsyncClient, who: SignedIn, course: BuiltCourse, lesson: str, rule: dict[str, Any]
) -> httpx.Response:
    section = await section_of(client, who, course)
    return await client.patch(
        f"/api/courses/{course.id}/sections/{section}/lessons/{lesson}",
        json={"release": rule},
        headers=who.bearer,
    )


@pytest.fixture
async def course(db: Database, instructor: SignedIn, ready_video: str) -> BuiltCourse:
    return await make_course(db, instructor.user, video_id=ready_video)


@pytest.fixture
async def student(
    client: httpx.AsyncClient, db: Database, settings: Any, course: BuiltCourse
) -> SignedIn:
    who = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=who.bearer)
    ).status_code == 201
    return who


async def test_a_lesson_opens_days_after_enrollment_and_is_refused_before(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    course: BuiltCourse,
    student: SignedIn,
) -> None:
    lesson = course.video_lesson or ""
    assert (
        await set_release(client, instructor, course, lesson, {"after_days": 3})
    ).status_code == 200
    grant = await db.grants.find_one({"user_id": student.user.id})
    assert grant is not None
    opens = grant["starts_at"] + timedelta(days=3)

    content = await client.get(f"/api/lessons/{lesson}", headers=student.bearer)
    assert content.status_code == 403 and error_code(content) == "lesson_not_released"
    assert datetime.fromisoformat(content.json()["error"]["detail"]["opens_at"]) == opens
    assert opens.strftime("%d %B %Y") in content.json()["error"]["message"]
    started = await start_lesson(client, student.bearer, lesson)
    assert started.status_code == 403 and error_code(started) == "lesson_not_released"
    outline = (await client.get(f"/api/courses/{course.id}", headers=student.bearer)).json()
    lessons = {item["id"]: item for item in outline["sections"][0]["lessons"]}
    assert datetime.fromisoformat(lessons[lesson]["opens_at"]) == opens
    assert lessons[lesson]["release"] == {"after_days": 3, "on": None, "after_quiz": None}
    assert lessons[course.text_lesson]["opens_at"] is None
    # The instructor and the preview are never held back.
    assert (
        await client.get(f"/api/lessons/{lesson}", headers=instructor.bearer)
    ).status_code == 200

    # Three days later (the grant moved back in time), it opens.
    earlier = grant["starts_at"] - timedelta(days=3, seconds=1)
    await db.grants.update_one({"_id": grant["_id"]}, {"$set": {"starts_at": earlier}})
    assert (await client.get(f"/api/lessons/{lesson}", headers=student.bearer)).status_code == 200
    assert (await start_lesson(client, student.bearer, lesson)).status_code == 201


async def test_a_section_date_holds_its_lessons_until_the_instructor_unlocks_one_student(
    client: httpx.AsyncClient,
    db: Database,
    settings: Any,
    instructor: SignedIn,
    course: BuiltCourse,
    student: SignedIn,
) -> None:
    section = await section_of(client, instructor, course)
    on = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    changed = await client.patch(
        f"/api/courses/{course.id}/sections/{section}",
        json={"release": {"on": on.isoformat()}},
        headers=instructor.bearer,
    )
    assert changed.status_code == 200, changed.text
    for lesson in (course.video_lesson, course.text_lesson):
        refused = await client.get(f"/api/lessons/{lesson}", headers=student.bearer)
        assert error_code(refused) == "lesson_not_released"
        assert datetime.fromisoformat(refused.json()["error"]["detail"]["opens_at"]) == on
    preview = await client.get(f"/api/lessons/{course.preview_lesson}", headers=student.bearer)
    assert preview.status_code == 200

    other = await signed_in(client, db, settings)
    unlock = f"/api/courses/{course.id}/students/{student.user.id}/unlock"
    assert (await client.post(unlock, headers=other.bearer)).status_code == 403
    stranger = f"/api/courses/{course.id}/students/{other.user.id}/unlock"
    missing = await client.post(stranger, headers=instructor.bearer)
    assert missing.status_code == 404 and error_code(missing) == "student_not_enrolled"
    assert (await client.post(unlock, headers=instructor.bearer)).status_code == 204
    assert (
        await client.get(f"/api/lessons/{course.text_lesson}", headers=student.bearer)
    ).status_code == 200


async def test_a_release_given_when_the_lesson_is_created_holds(
    client: httpx.AsyncClient, instructor: SignedIn, course: BuiltCourse, student: SignedIn
) -> None:
    section = await section_of(client, instructor, course)
    created = await client.post(
        f"/api/courses/{course.id}/sections/{section}/lessons",
        json={"title": "Week 2", "kind": "text", "body": "Later.", "release": {"after_days": 7}},
        headers=instructor.bearer,
    )
    assert created.status_code == 201, created.text
    refused = await client.get(f"/api/lessons/{created.json()['id']}", headers=student.bearer)
    assert error_code(refused) == "lesson_not_released"


async def test_keys_stop_when_a_lesson_is_held_back_again(
    client: httpx.AsyncClient, instructor: SignedIn, course: BuiltCourse, student: SignedIn
) -> None:
    lesson = course.video_lesson or ""
    started = await start_lesson(client, student.bearer, lesson)
    assert started.status_code == 201
    key = key_url(started.json()["playlist_url"])
    assert (await client.get(key, headers=student.bearer)).status_code == 200
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert (await set_release(client, instructor, course, lesson, {"on": later})).status_code == 200
    refused = await client.get(key, headers=student.bearer)
    assert refused.status_code == 403 and error_code(refused) == "lesson_not_released"
    assert (await set_release(client, instructor, course, lesson, {})).status_code == 200  # cleared
    assert (await client.get(key, headers=student.bearer)).status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {"after_days": 3, "on": "2030-01-01T00:00:00Z"},
        {"on": "2030-01-01T00:00:00"},
        {"after_days": -1},
        {"after_days": 5000},
    ],
)
async def test_a_malformed_release_rule_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    course: BuiltCourse,
    rule: dict[str, Any],
) -> None:
    before = await db.courses.find_one({"_id": course.id})
    refused = await set_release(client, instructor, course, course.video_lesson or "", rule)
    assert refused.status_code == 422 and error_code(refused) == "validation_error"
    assert await db.courses.find_one({"_id": course.id}) == before
