"""Enrollment rules: who has access to a course right now."""

from __future__ import annotations

from coursevault.db import Database, Document
from coursevault.enrollments import repo


async def is_active(*, db: Database, user_id: str, course_id: str) -> bool:
    """Tells whether USER_ID may watch COURSE_ID's lessons as a student, right now."""
    doc = await repo.get(db=db, user_id=user_id, course_id=course_id)
    return doc is not None and doc["state"] == repo.ACTIVE


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
