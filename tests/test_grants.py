"""Access grants asked through the one standing() (enrollments): windows, scopes, cache."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from coursevault import clock
from coursevault.database.db import Database
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource


async def test_a_cached_standing_ends_with_its_grants_window(db: Database) -> None:
    """The key endpoint reuses a standing for the access cache's seconds; a membership
    whose end passes meanwhile (nothing is written when it lapses) is refused at once."""
    ends = clock.now() + timedelta(seconds=1)
    await enrollments.grant_membership(
        db=db,
        user_id="u1",
        membership_id="m1",
        plan_id="p1",
        scope=enrollments.PlanScope(all_courses=False, course_ids=["c1"]),
        active=True,
        starts_at=clock.now(),
        ends_at=ends,
        plan_version=0,
    )
    ask: dict[str, Any] = {
        "db": db,
        "user_id": "u1",
        "course_id": "c1",
        "published": True,
        "max_age": 60.0,
    }
    found = await enrollments.standing(**ask)
    assert found is not None and found.until == ends
    await asyncio.sleep((ends - clock.now()).total_seconds() + 0.05)
    assert await enrollments.standing(**ask) is None
    # A grant without an end (bought) keeps the course open after the membership's end.
    await enrollments.grant(
        db=db, user_id="u1", source=GrantSource.order, source_id="o1", course_id="c1"
    )
    kept = await enrollments.standing(**ask)
    assert kept is not None and kept.until is None


async def test_a_site_wide_plan_opens_published_courses_only(db: Database) -> None:
    await enrollments.grant_membership(
        db=db,
        user_id="u1",
        membership_id="m2",
        plan_id="p2",
        scope=enrollments.PlanScope(all_courses=True, course_ids=[]),
        active=True,
        starts_at=clock.now(),
        ends_at=None,
        plan_version=0,
    )
    assert await enrollments.is_active(db=db, user_id="u1", course_id="any", published=True)
    assert not await enrollments.is_active(db=db, user_id="u1", course_id="any", published=False)
