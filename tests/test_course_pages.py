"""The course page's text: description and "what you will learn" in Markdown, rendered
sanitised; the instructor's name and short bio."""

from __future__ import annotations

import httpx

from coursevault.database.db import Database
from tests.factories import SignedIn, error_code
from tests.test_courses import create

DESCRIPTION = """Learn **streaming** the safe way.

<script>alert('x')</script>
[a trap](javascript:alert(1)) and <img src=x onerror=alert(1)>
"""
OUTCOMES = "- Encode an *adaptive* ladder\n- Encrypt it\n- Sell it"


async def test_description_and_outcomes_are_markdown_rendered_safely(
    client: httpx.AsyncClient, instructor: SignedIn
) -> None:
    course = await create(client, instructor)
    changed = await client.patch(
        f"/api/courses/{course['id']}",
        json={"description": DESCRIPTION, "outcomes": OUTCOMES},
        headers=instructor.bearer,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    html = body["description_html"]
    assert "<strong>streaming</strong>" in html
    # Raw HTML stays text and a javascript: link is no link: nothing in it can run.
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html
    assert body["outcomes"] == OUTCOMES
    assert body["outcomes_html"].count("<li>") == 3 and "<em>adaptive</em>" in body["outcomes_html"]
    public = (await client.get(f"/api/courses/{course['id']}", headers=instructor.bearer)).json()
    assert public["description_html"] == html


async def test_the_instructor_bio_shows_with_the_course_and_is_bounded(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn
) -> None:
    course = await create(client, instructor)
    bio = "Teaches video engineering <b>since</b> 2010."
    saved = await client.patch(
        "/api/auth/me", json={"bio": f"  {bio}  ", "name": "Ada Teacher"}, headers=instructor.bearer
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["bio"], saved.json()["name"]) == (bio, "Ada Teacher")
    page = (await client.get(f"/api/courses/{course['id']}", headers=instructor.bearer)).json()
    assert (page["instructor_name"], page["instructor_bio"]) == ("Ada Teacher", bio)  # text

    for bad in ({"bio": "x" * 501}, {"name": ""}, {"name": "x" * 121}):
        refused = await client.patch("/api/auth/me", json=bad, headers=instructor.bearer)
        assert refused.status_code == 422 and error_code(refused) == "validation_error"
    user = await db.users.find_one({"_id": instructor.user.id})
    assert user is not None and (user["bio"], user["name"]) == (bio, "Ada Teacher")
    assert (await client.patch("/api/auth/me", json={"bio": "x"})).status_code == 401
