"""Chapters of a video lesson: typed as `mm:ss Title` lines, validated with a message that
names the line, returned to viewers as start seconds and titles."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from coursevault.courses import chapters
from coursevault.database.db import Database
from tests.factories import SignedIn, error_code, signed_in
from tests.test_courses import add_section, add_text_lesson, create

CHAPTERS = """
0:00 Welcome
1:05   Setting up <the> tools

1:00:00 Too late for a 2 s clip
"""


async def video_lesson(
    client: httpx.AsyncClient, who: SignedIn, video_id: str, chapters: str
) -> httpx.Response:
    course = await create(client, who, price={"amount": 0, "currency": "eur"})
    section = await add_section(client, who, course["id"], "Start")
    return await client.post(
        f"/api/courses/{course['id']}/sections/{section}/lessons",
        json={"title": "Intro", "kind": "video", "video_id": video_id, "chapters": chapters},
        headers=who.bearer,
    )


def lesson_of(course: dict[str, Any], lesson_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        lesson for s in course["sections"] for lesson in s["lessons"] if lesson["id"] == lesson_id
    )
    return found


async def test_chapters_are_stored_and_given_to_enrolled_viewers(
    client: httpx.AsyncClient, db: Database, settings: Any, instructor: SignedIn, ready_video: str
) -> None:
    created = await video_lesson(
        client, instructor, ready_video, "0:00 Welcome\n0:01 <b>Setup</b>\n"
    )
    assert created.status_code == 201, created.text
    lesson_id = created.json()["id"]
    course = created.json()["course"]
    expected = [{"start": 0.0, "title": "Welcome"}, {"start": 1.0, "title": "<b>Setup</b>"}]
    assert lesson_of(course, lesson_id)["chapters"] == expected
    await client.post(f"/api/courses/{course['id']}/publish", headers=instructor.bearer)
    student = await signed_in(client, db, settings)
    enrolled = await client.post(f"/api/courses/{course['id']}/enroll", headers=student.bearer)
    assert enrolled.status_code == 201, enrolled.text
    content = await client.get(f"/api/lessons/{lesson_id}", headers=student.bearer)
    assert content.status_code == 200
    assert content.json()["chapters"] == expected  # text, as typed: the player escapes it

    section = course["sections"][0]["id"]
    cleared = await client.patch(
        f"/api/courses/{course['id']}/sections/{section}/lessons/{lesson_id}",
        json={"chapters": ""},
        headers=instructor.bearer,
    )
    assert cleared.status_code == 200, cleared.text
    assert lesson_of(cleared.json(), lesson_id)["chapters"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0:00 Welcome\nhello there", "Line 2: write a time and a title"),
        ("0:00 Welcome\n0:00 Again", "Line 2: 0:00 does not come after 0:00"),
        ("0:01 One\n0:00 Zero", "Line 2: 0:00 does not come after 0:01"),
        (CHAPTERS, "Line 3: 1:05 is past the end of the video (0:02)."),
        ("1:75:00 Bad", "Line 1: minutes must be below 60"),
        ("0:61 Bad", "Line 1: write a time and a title"),
        ("0:00 " + "x" * 121, "Line 1: a title has at most 120 characters"),
        ("\n".join(f"0:{i:02d} C{i}" for i in range(2)) + "\n0:02", "Line 3: write a time"),
    ],
)
async def test_unusable_chapters_are_refused_naming_the_line_and_change_nothing(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    ready_video: str,
    text: str,
    message: str,
) -> None:
    before = await db.courses.count_documents({})
    refused = await video_lesson(client, instructor, ready_video, text)
    assert refused.status_code == 422, refused.text
    assert error_code(refused) == "invalid_chapters"
    assert refused.json()["error"]["message"].startswith(message)
    course = await db.courses.find_one({}, sort=[("created_at", -1)])
    assert course is not None and course["sections"][0]["lessons"] == []
    assert await db.courses.count_documents({}) == before + 1  # the course, without the lesson


def test_a_hundred_chapters_at_most_and_hours_read_right() -> None:
    lines = "\n".join(f"{i // 60}:{i % 60:02d} Part {i}" for i in range(101))
    with pytest.raises(chapters.ChapterError, match="at most 100 chapters"):
        chapters.parse(lines, duration=None)
    parsed = chapters.parse("0:00 A\n59:59 B\n1:00:00 C\n10:00:01 D", duration=None)
    assert [c.start for c in parsed] == [0, 3599, 3600, 36001]
    assert chapters.as_text(parsed) == "0:00 A\n59:59 B\n1:00:00 C\n10:00:01 D"


async def test_chapters_on_a_text_lesson_are_refused(
    client: httpx.AsyncClient, instructor: SignedIn
) -> None:
    course = await create(client, instructor)
    section = await add_section(client, instructor, course["id"], "Start")
    lesson = await add_text_lesson(client, instructor, course["id"], section, "Notes")
    on_text = await client.patch(
        f"/api/courses/{course['id']}/sections/{section}/lessons/{lesson}",
        json={"chapters": "0:00 Start"},
        headers=instructor.bearer,
    )
    assert on_text.status_code == 422 and error_code(on_text) == "invalid_chapters"
    assert on_text.json()["error"]["message"] == "Only video lessons have chapters."
