"""Who may read a lesson's engagement report: its course's instructor and admins; anyone
else is refused with the course-owner error, in words that say what was refused."""

from __future__ import annotations

import httpx

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import make_course
from tests.factories import SignedIn, error_code, signed_in


async def test_the_engagement_refusal_says_read_not_change(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn
) -> None:
    """A report is read: the 403 said "Only this course's instructor can change it."."""
    course = await make_course(db, instructor.user)
    url = f"/api/lessons/{course.text_lesson}/engagement"
    for role in (Role.instructor, Role.student):
        other = await signed_in(client, db, settings, role=role)
        refused = await client.get(url, headers=other.bearer)
        assert refused.status_code == 403 and error_code(refused) == "not_course_owner"
        message = refused.json()["error"]["message"]
        assert message == "Only this course's instructor can read this lesson's engagement."
    # The refusal of a change keeps its own words.
    changed = await client.patch(
        f"/api/courses/{course.id}", json={"title": "Mine now"}, headers=other.bearer
    )
    assert changed.status_code == 403 and "can change it" in changed.json()["error"]["message"]
