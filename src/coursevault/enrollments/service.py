"""Enrollment rules: who has access to a course right now."""

from __future__ import annotations

from coursevault.database.db import Database, Document
from coursevault.enrollments import repo
from coursevault.enrollments.models import Standing as Standing


async def standing(
    *, db: Database, user_id: str, course_id: str, max_age: float = 0.0
) -> Standing | None:
    """USER_ID's active enrollment in COURSE_ID (looked up at most MAX_AGE s ago), or None."""
    return await repo.standing(db=db, user_id=user_id, course_id=course_id, max_age=max_age)


async def is_active(*, db: Database, user_id: str, course_id: str, max_age: float = 0.0) -> bool:
    """Tells whether USER_ID may watch COURSE_ID's lessons as a student, right now (or, with
    MAX_AGE > 0, as of a lookup at most that many seconds old)."""
    found = await standing(db=db, user_id=user_id, course_id=course_id, max_age=max_age)
    return found is not None


async def unlock(*, db: Database, user_id: str, course_id: str) -> bool:
    """Opens every lesson of COURSE_ID for USER_ID now; False when not enrolled."""
    return await repo.unlock(db=db, user_id=user_id, course_id=course_id)


async def enroll_free(*, db: Database, user_id: str, course_id: str) -> bool:
    """Enrolls in a free course; False when the enrollment was already active."""
    return await repo.grant_free(db=db, user_id=user_id, course_id=course_id)


async def apply_order(
    *, db: Database, user_id: str, course_id: str, order_id: str, version: int, active: bool
) -> bool:
    """Makes the enrollment follow snapshot VERSION of an order (see repo.apply_order)."""
    return await repo.apply_order(
        db=db,
        user_id=user_id,
        course_id=course_id,
        order_id=order_id,
        version=version,
        active=active,
    )


async def active_for_user(*, db: Database, user_id: str) -> list[Document]:
    return await repo.for_user(db=db, user_id=user_id)


async def of_course(*, db: Database, course_id: str) -> list[Document]:
    return await repo.for_course(db=db, course_id=course_id)


async def count(*, db: Database, course_id: str, active_only: bool = False) -> int:
    return await repo.count(db=db, course_id=course_id, active_only=active_only)
