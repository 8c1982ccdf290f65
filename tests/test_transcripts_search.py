"""Searching what was said in a course: only lessons the caller may open, previews for
visitors, the matched words as offsets, and the index following edited tracks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.captions import repo as captions_repo
from coursevault.captions.parse import Cue
from coursevault.config import Settings
from coursevault.courses import outline
from coursevault.courses import service as courses
from coursevault.courses.models import CourseCreate, LessonCreate, LessonKind, Price, Release
from coursevault.database.db import Database
from coursevault.enrollments import service as enrollments
from coursevault.transcripts.index import CaptionIndex, match_expression
from tests.factories import SignedIn, signed_in
from tests.media_helpers import PackagedVideo

PREVIEW_CUES = [
    Cue(12.5, 15.0, "Encryption keeps the segments private."),
    Cue(20.0, 22.0, "Café au lait, naïvely encrypted"),
]
PAID_CUES = [Cue(30.0, 33.0, "Every segment gets its own\nencryption key.")]
LATER_CUES = [Cue(5.0, 7.0, "Drip-released encryption secrets")]


@dataclass
class Searchable:
    course_id: str
    preview: str
    paid: str
    later: str


async def _lesson(
    db: Database, course: Any, section: str, title: str, video: str, **extra: Any
) -> tuple[Any, str]:
    lesson_in = LessonCreate(title=title, kind=LessonKind.video, video_id=video, **extra)
    return await outline.add_lesson(db=db, course=course, section_id=section, lesson_in=lesson_in)


@pytest.fixture
async def searchable(
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
    packaged_video: PackagedVideo,
) -> Searchable:
    second = await packaged_video.copy_for(db, settings, instructor.user)
    third = await packaged_video.copy_for(db, settings, instructor.user)
    course = await courses.create_course(
        db=db,
        user=instructor.user,
        course_in=CourseCreate(
            title="Streaming", description="x", price=Price(amount=0, currency="usd")
        ),
    )
    course, section = await outline.add_section(db=db, course=course, title="Basics")
    course, preview = await _lesson(db, course, section, "Free look", ready_video, preview=True)
    course, paid = await _lesson(db, course, section, "Keys", second)
    course, later = await _lesson(
        db, course, section, "Later", third, release=Release(after_days=30)
    )
    await courses.publish(db=db, course=course)
    for video, cues in ((ready_video, PREVIEW_CUES), (second, PAID_CUES), (third, LATER_CUES)):
        await captions_repo.save(db=db, video_id=video, language="en", label="English", cues=cues)
    return Searchable(course["_id"], preview, paid, later)


async def _search(
    client: httpx.AsyncClient, course_id: str, q: str, headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/courses/{course_id}/search", params={"q": q}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_visitors_find_preview_lessons_students_what_is_released_staff_everything(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    searchable: Searchable,
) -> None:
    visitor = await _search(client, searchable.course_id, "encryption")
    assert {hit["lesson_id"] for hit in visitor} == {searchable.preview}
    stranger = await signed_in(client, db, settings, role=Role.student)
    assert {
        h["lesson_id"]
        for h in await _search(client, searchable.course_id, "encryption", stranger.bearer)
    } == {searchable.preview}
    student = await signed_in(client, db, settings, role=Role.student)
    await enrollments.enroll_free(db=db, user_id=student.user.id, course_id=searchable.course_id)
    studied = await _search(client, searchable.course_id, "encryption", student.bearer)
    assert {h["lesson_id"] for h in studied} == {
        searchable.preview,
        searchable.paid,
    }  # not the drip-held one
    taught = await _search(client, searchable.course_id, "encryption", instructor.bearer)
    assert {h["lesson_id"] for h in taught} == {
        searchable.preview,
        searchable.paid,
        searchable.later,
    }


async def test_a_hit_says_where_to_start_and_which_words_to_highlight(
    client: httpx.AsyncClient, instructor: SignedIn, searchable: Searchable
) -> None:
    hits = await _search(client, searchable.course_id, "own encrypt", instructor.bearer)
    assert len(hits) == 1
    hit = hits[0]
    assert (hit["lesson_id"], hit["lesson_title"], hit["section_title"]) == (
        searchable.paid,
        "Keys",
        "Basics",
    )
    assert (hit["start"], hit["end"], hit["language"]) == (30.0, 33.0, "en")
    assert hit["text"] == "Every segment gets its own\nencryption key."
    assert [hit["text"][a:b] for a, b in hit["highlights"]] == ["own", "encryption"]
    # Stemmed and accent-blind: "encrypted" is found by "encrypting", "cafe" finds "Café".
    stemmed = await _search(client, searchable.course_id, "cafe encrypting")
    assert [h["text"] for h in stemmed] == ["Café au lait, naïvely encrypted"]
    assert [stemmed[0]["text"][a:b] for a, b in stemmed[0]["highlights"]] == ["Café", "encrypted"]
    assert await _search(client, searchable.course_id, "!!! ???") == []


async def _search_until(client: httpx.AsyncClient, course_id: str, q: str, expected: Any) -> None:
    """Searches until the answer's starts are EXPECTED: after a change the index is brought
    up to date in the background while searches go on."""
    async with asyncio.timeout(10):
        while [h["start"] for h in await _search(client, course_id, q)] != expected:
            await asyncio.sleep(0.05)


async def test_an_edited_track_is_searched_as_edited(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    ready_video: str,
    searchable: Searchable,
) -> None:
    assert await _search(client, searchable.course_id, "privacy") == []
    await captions_repo.save(
        db=db,
        video_id=ready_video,
        language="en",
        label="English",
        cues=[Cue(1.0, 3.0, "Privacy matters")],
    )
    await _search_until(client, searchable.course_id, "privacy", [1.0])
    assert await _search(client, searchable.course_id, "segments private") == []
    await captions_repo.delete(db=db, video_id=ready_video, language="en")
    await _search_until(client, searchable.course_id, "privacy", [])


async def test_a_draft_course_is_not_searchable_by_visitors(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn
) -> None:
    course = await courses.create_course(
        db=db,
        user=instructor.user,
        course_in=CourseCreate(
            title="Draft", description="x", price=Price(amount=0, currency="usd")
        ),
    )
    response = await client.get(f"/api/courses/{course['_id']}/search", params={"q": "x"})
    assert response.status_code == 404
    assert (
        await client.get(f"/api/courses/{course['_id']}/search", params={"q": ""})
    ).status_code == 422


def test_queries_become_safe_fts5_expressions(tmp_path: Any) -> None:
    assert match_expression('say "hello" OR NEAR(x') == '"say" "hello" "or" "near" "x"*'
    assert match_expression("  ") is None
    index = CaptionIndex(tmp_path)
    index.replace("v1", "en", "1", [Cue(0, 1, "naïve 😀 emoji text")])
    [found] = index.search(match_expression("text") or "", ["v1"], None, 10)
    # Offsets count UTF-16 code units, as JavaScript does: the emoji is two.
    assert found.spans == [(15, 19)]  # 14 code points before it, 15 UTF-16 units
    assert index.search('"text"', ["other"], None, 10) == []
