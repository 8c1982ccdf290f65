"""Courses: building, ownership, publishing, the catalog, lessons and Markdown (U6)."""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import course_json, make_course
from tests.factories import SignedIn, error_code, signed_in
from tests.media_helpers import new_video


class Tags(HTMLParser):
    """Collects the elements and attributes of an HTML fragment, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.fixture
def teacher(instructor: SignedIn) -> SignedIn:
    return instructor


async def create(client: httpx.AsyncClient, who: SignedIn, **overrides: object) -> Any:
    response = await client.post("/api/courses", json=course_json(**overrides), headers=who.bearer)
    assert response.status_code == 201, response.text
    return response.json()


async def add_section(client: httpx.AsyncClient, who: SignedIn, course_id: str, title: str) -> str:
    response = await client.post(
        f"/api/courses/{course_id}/sections", json={"title": title}, headers=who.bearer
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def add_text_lesson(
    client: httpx.AsyncClient, who: SignedIn, course_id: str, section_id: str, title: str
) -> str:
    response = await client.post(
        f"/api/courses/{course_id}/sections/{section_id}/lessons",
        json={"title": title, "kind": "text", "body": "Some *notes*."},
        headers=who.bearer,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_an_instructor_creates_a_draft_with_a_unique_slug(
    client: httpx.AsyncClient, teacher: SignedIn
) -> None:
    first = await create(client, teacher, title="Data Science 101!")
    second = await create(client, teacher, title="Data Science 101!")
    assert first["status"] == "draft"
    assert first["slug"] == "data-science-101"
    assert second["slug"].startswith("data-science-101-") and second["slug"] != first["slug"]
    assert first["price"] == {"amount": 4900, "currency": "eur"}
    by_slug = await client.get(f"/api/courses/{first['slug']}", headers=teacher.bearer)
    assert by_slug.json()["id"] == first["id"]


async def test_students_cannot_create_courses_and_bad_prices_are_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    student = await signed_in(client, db, settings)
    response = await client.post("/api/courses", json=course_json(), headers=student.bearer)
    assert response.status_code == 403
    for price in (
        {"amount": -1, "currency": "usd"},
        {"amount": 9.99, "currency": "usd"},
        {"amount": 100, "currency": "dollars"},
    ):
        bad = await client.post(
            "/api/courses", json=course_json(price=price), headers=teacher.bearer
        )
        assert bad.status_code == 422, price
        assert error_code(bad) == "validation_error"
    mine = await client.get("/api/me/teaching", headers=teacher.bearer)
    assert mine.json() == []


async def test_another_instructor_cannot_change_the_course(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    course = await create(client, teacher)
    section = await add_section(client, teacher, course["id"], "One")
    other = await signed_in(client, db, settings, role=Role.instructor)
    attempts = [
        client.patch(
            f"/api/courses/{course['id']}", json={"title": "Mine now"}, headers=other.bearer
        ),
        client.post(
            f"/api/courses/{course['id']}/sections", json={"title": "x"}, headers=other.bearer
        ),
        client.post(
            f"/api/courses/{course['id']}/sections/{section}/lessons",
            json={"title": "x", "kind": "text"},
            headers=other.bearer,
        ),
        client.post(f"/api/courses/{course['id']}/publish", headers=other.bearer),
        client.delete(f"/api/courses/{course['id']}", headers=other.bearer),
        client.get(f"/api/courses/{course['id']}/stats", headers=other.bearer),
    ]
    for response in await asyncio.gather(*attempts):
        assert response.status_code == 403, response.text
        assert error_code(response) == "not_course_owner"
    unchanged = await client.get(f"/api/courses/{course['id']}", headers=teacher.bearer)
    assert unchanged.json()["title"] == course["title"]
    assert len(unchanged.json()["sections"]) == 1
    student = await signed_in(client, db, settings)
    by_student = await client.patch(
        f"/api/courses/{course['id']}",
        json={"price": {"amount": 1, "currency": "usd"}},
        headers=student.bearer,
    )
    assert by_student.status_code == 403 and error_code(by_student) == "not_course_owner"
    admin = await signed_in(client, db, settings, role=Role.admin)
    by_admin = await client.patch(
        f"/api/courses/{course['id']}", json={"title": "Fixed typo"}, headers=admin.bearer
    )
    assert by_admin.status_code == 200 and by_admin.json()["title"] == "Fixed typo"


async def test_sections_and_lessons_edit_and_move(
    client: httpx.AsyncClient, teacher: SignedIn
) -> None:
    course = await create(client, teacher)
    cid = course["id"]
    one = await add_section(client, teacher, cid, "One")
    two = await add_section(client, teacher, cid, "Two")
    a = await add_text_lesson(client, teacher, cid, one, "A")
    b = await add_text_lesson(client, teacher, cid, one, "B")
    c = await add_text_lesson(client, teacher, cid, two, "C")

    def outline(body: Any) -> list[tuple[str, list[str]]]:
        return [
            (s["title"], [lesson["title"] for lesson in s["lessons"]]) for s in body["sections"]
        ]

    moved = await client.post(
        f"/api/courses/{cid}/move",
        json={"kind": "lesson", "id": b, "position": 0, "section_id": two},
        headers=teacher.bearer,
    )
    assert outline(moved.json()) == [("One", ["A"]), ("Two", ["B", "C"])]
    moved = await client.post(
        f"/api/courses/{cid}/move",
        json={"kind": "section", "id": two, "position": 0},
        headers=teacher.bearer,
    )
    assert outline(moved.json()) == [("Two", ["B", "C"]), ("One", ["A"])]
    renamed = await client.patch(
        f"/api/courses/{cid}/sections/{one}/lessons/{a}",
        json={"title": "A2", "preview": True},
        headers=teacher.bearer,
    )
    assert renamed.json()["sections"][1]["lessons"][0] == {
        **renamed.json()["sections"][1]["lessons"][0],
        "title": "A2",
        "preview": True,
    }
    deleted = await client.delete(
        f"/api/courses/{cid}/sections/{two}/lessons/{c}", headers=teacher.bearer
    )
    assert outline(deleted.json()) == [("Two", ["B"]), ("One", ["A2"])]
    assert deleted.json()["lesson_count"] == 2
    missing = await client.post(
        f"/api/courses/{cid}/move",
        json={"kind": "lesson", "id": "nope", "position": 0},
        headers=teacher.bearer,
    )
    assert missing.status_code == 404 and error_code(missing) == "lesson_not_found"
    bad_kind = await client.post(
        f"/api/courses/{cid}/sections/{one}/lessons",
        json={"title": "v", "kind": "video"},
        headers=teacher.bearer,
    )
    assert bad_kind.status_code == 422


async def test_concurrent_edits_are_all_kept(client: httpx.AsyncClient, teacher: SignedIn) -> None:
    course = await create(client, teacher)
    section = await add_section(client, teacher, course["id"], "One")
    await asyncio.gather(
        *(add_text_lesson(client, teacher, course["id"], section, f"L{i}") for i in range(6))
    )
    body = (await client.get(f"/api/courses/{course['id']}", headers=teacher.bearer)).json()
    assert sorted(lesson["title"] for lesson in body["sections"][0]["lessons"]) == [
        f"L{i}" for i in range(6)
    ]


async def test_publishing_needs_a_lesson_and_ready_videos(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    course = await create(client, teacher)
    empty = await client.post(f"/api/courses/{course['id']}/publish", headers=teacher.bearer)
    assert empty.status_code == 409 and error_code(empty) == "cannot_publish"
    section = await add_section(client, teacher, course["id"], "One")
    pending = await new_video(client, teacher.bearer)  # never uploaded: not ready
    lesson = await client.post(
        f"/api/courses/{course['id']}/sections/{section}/lessons",
        json={"title": "Intro", "kind": "video", "video_id": pending["id"]},
        headers=teacher.bearer,
    )
    assert lesson.status_code == 201
    refused = await client.post(f"/api/courses/{course['id']}/publish", headers=teacher.bearer)
    assert refused.status_code == 409
    assert "Intro" in refused.json()["error"]["message"]
    other = await signed_in(client, db, settings, role=Role.instructor)
    theirs = await new_video(client, other.bearer)
    foreign = await client.post(
        f"/api/courses/{course['id']}/sections/{section}/lessons",
        json={"title": "Stolen", "kind": "video", "video_id": theirs["id"]},
        headers=teacher.bearer,
    )
    assert foreign.status_code == 422 and error_code(foreign) == "invalid_video"


async def test_drafts_are_invisible_and_the_catalog_searches_published_courses(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    await make_course(db, teacher.user, title="Advanced Rust Patterns")
    await make_course(db, teacher.user, title="Cooking for Engineers")
    draft = await make_course(db, teacher.user, title="Secret Rust Draft", publish=False)
    everyone = await client.get("/api/courses")
    assert everyone.status_code == 200
    titles = [c["title"] for c in everyone.json()["items"]]
    assert sorted(titles) == ["Advanced Rust Patterns", "Cooking for Engineers"]
    found = (await client.get("/api/courses", params={"q": "rust"})).json()
    assert [c["title"] for c in found["items"]] == ["Advanced Rust Patterns"]
    assert found["total"] == 1
    both_words = (await client.get("/api/courses", params={"q": "cooking engineers"})).json()
    assert both_words["total"] == 1
    regex = (await client.get("/api/courses", params={"q": ".*"})).json()
    assert regex["total"] == 0  # the query is text, never a pattern
    paged = (await client.get("/api/courses", params={"per_page": 1, "page": 2})).json()
    assert len(paged["items"]) == 1 and paged["total"] == 2 and paged["page"] == 2
    student = await signed_in(client, db, settings)
    for headers in ({}, student.bearer):
        hidden = await client.get(f"/api/courses/{draft.id}", headers=headers)
        assert hidden.status_code == 404 and error_code(hidden) == "course_not_found"
        assert (await client.get(f"/api/courses/{draft.slug}", headers=headers)).status_code == 404
    assert (await client.get(f"/api/courses/{draft.id}", headers=teacher.bearer)).status_code == 200


async def test_the_public_outline_hides_sources_and_shows_durations(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn, ready_video: str
) -> None:
    built = await make_course(db, teacher.user, video_id=ready_video, amount=1500)
    public = (await client.get(f"/api/courses/{built.id}")).json()
    lessons = public["sections"][0]["lessons"]
    assert [lesson["kind"] for lesson in lessons] == ["video", "video", "text"]
    assert lessons[0]["duration"] == pytest.approx(2.0, abs=0.2)
    assert lessons[1]["preview"] is True
    assert all(lesson["video_id"] is None and lesson["body"] is None for lesson in lessons)
    assert public["instructor_name"] == "Test User"
    assert public["price"] == {"amount": 1500, "currency": "usd"}
    assert public["enrolled"] is False and public["can_edit"] is False
    own = (await client.get(f"/api/courses/{built.id}", headers=teacher.bearer)).json()
    assert own["sections"][0]["lessons"][0]["video_id"] == ready_video
    assert own["sections"][0]["lessons"][0]["video_status"] == "ready"


async def test_U6_lesson_markdown_is_rendered_without_scripts(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    course = await create(client, teacher, price={"amount": 0, "currency": "usd"})
    section = await add_section(client, teacher, course["id"], "One")
    body = (
        "# Title <script>alert(1)</script>\n\n"
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)> **bold**\n\n"
        '<a href="https://evil.example" onclick="steal()">raw html</a>'
    )
    lesson = await client.post(
        f"/api/courses/{course['id']}/sections/{section}/lessons",
        json={"title": "<b>Hi</b>", "kind": "text", "body": body},
        headers=teacher.bearer,
    )
    assert (
        await client.post(f"/api/courses/{course['id']}/publish", headers=teacher.bearer)
    ).status_code == 200
    student = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{course['id']}/enroll", headers=student.bearer)
    ).status_code == 201
    content = await client.get(f"/api/lessons/{lesson.json()['id']}", headers=student.bearer)
    assert content.status_code == 200, content.text
    html = content.json()["body_html"]
    assert "<strong>bold</strong>" in html and "<h1>" in html
    tags = Tags()
    tags.feed(html)
    assert {"script", "img", "a"}.isdisjoint(name for name, _ in tags.found)
    attributes = [(key, value or "") for _, attrs in tags.found for key, value in attrs]
    assert not [a for a in attributes if a[0].startswith("on") or "javascript" in a[1]]
    assert content.json()["title"] == "<b>Hi</b>"  # stored as text; the web app escapes it


async def test_deleting_a_course_only_for_unenrolled_drafts(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    built = await make_course(db, teacher.user)
    published = await client.delete(f"/api/courses/{built.id}", headers=teacher.bearer)
    assert published.status_code == 409 and error_code(published) == "course_published"
    student = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{built.id}/enroll", headers=student.bearer)
    ).status_code == 201
    await client.post(f"/api/courses/{built.id}/unpublish", headers=teacher.bearer)
    enrolled = await client.delete(f"/api/courses/{built.id}", headers=teacher.bearer)
    assert enrolled.status_code == 409 and error_code(enrolled) == "course_has_enrollments"
    # Unpublished: gone from the catalog, still there for the enrolled student.
    assert (await client.get("/api/courses")).json()["total"] == 0
    mine = (await client.get("/api/me/courses", headers=student.bearer)).json()
    assert [c["course"]["id"] for c in mine["items"]] == [built.id]
    draft = await make_course(db, teacher.user, publish=False)
    assert (
        await client.delete(f"/api/courses/{draft.id}", headers=teacher.bearer)
    ).status_code == 204
    assert (await client.get(f"/api/courses/{draft.id}", headers=teacher.bearer)).status_code == 404


async def test_a_video_used_by_a_lesson_cannot_be_deleted(
    client: httpx.AsyncClient, db: Database, teacher: SignedIn, ready_video: str
) -> None:
    built = await make_course(db, teacher.user, title="Uses the video", video_id=ready_video)
    refused = await client.delete(f"/api/videos/{ready_video}", headers=teacher.bearer)
    assert refused.status_code == 409 and error_code(refused) == "video_in_use"
    assert refused.json()["error"]["detail"]["courses"] == [
        {"id": built.id, "title": "Uses the video"}
    ]
    assert (
        await client.get(f"/api/videos/{ready_video}", headers=teacher.bearer)
    ).status_code == 200
