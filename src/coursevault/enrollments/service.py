"""Enrollment rules: who has access to a course right now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coursevault.db import Database, Document
from coursevault.enrollments import repo
from coursevault.ttl_cache import TtlCache


@dataclass(frozen=True)
class Standing:
    """An active enrollment as drip release needs it."""

    since: datetime
    unlocked: bool  # the instructor opened every lesson for this student


# Enrollments looked up for callers that accept a bounded delay (the key endpoint); every
# enrollment write in this process forgets them.
_standings: TtlCache[tuple[str, str], Standing] = TtlCache()


async def standing(
    *, db: Database, user_id: str, course_id: str, max_age: float = 0.0
) -> Standing | None:
    """USER_ID's active enrollment in COURSE_ID (looked up at most MAX_AGE s ago), or None."""

    async def load() -> Standing | None:
        doc = await repo.get(db=db, user_id=user_id, course_id=course_id)
        if doc is None or doc["state"] != repo.ACTIVE:
            return None
        return Standing(since=doc["created_at"], unlocked=bool(doc.get("unlocked")))

    return await _standings.get_or_load((user_id, course_id), max_age, load)


async def is_active(*, db: Database, user_id: str, course_id: str, max_age: float = 0.0) -> bool:
    """Tells whether USER_ID may watch COURSE_ID's lessons as a student, right now (or, with
    MAX_AGE > 0, as of a lookup at most that many seconds old)."""
    found = await standing(db=db, user_id=user_id, course_id=course_id, max_age=max_age)
    return found is not None


async def unlock(*, db: Database, user_id: str, course_id: str) -> bool:
    """Opens every lesson of COURSE_ID for USER_ID now; False when not enrolled."""
    done = await repo.unlock(db=db, user_id=user_id, course_id=course_id)
    _standings.forget((user_id, course_id))
    return done


async def enroll_free(*, db: Database, user_id: str, course_id: str) -> bool:
    """Enrolls in a free course; False when the enrollment was already active."""
    granted = await repo.grant_free(db=db, user_id=user_id, course_id=course_id)
    _standings.forget((user_id, course_id))
    return granted


async def apply_order(
    *, db: Database, user_id: str, course_id: str, order_id: str, version: int, active: bool
) -> bool:
    """Makes the enrollment follow snapshot VERSION of an order (see repo.apply_order)."""
    applied = await repo.apply_order(
        db=db,
        user_id=user_id,
        course_id=course_id,
        order_id=order_id,
        version=version,
        active=active,
    )
    _standings.forget((user_id, course_id))
    return applied


async def active_for_user(*, db: Database, user_id: str) -> list[Document]:
    return await repo.for_user(db=db, user_id=user_id)


async def of_course(*, db: Database, course_id: str) -> list[Document]:
    return await repo.for_course(db=db, course_id=course_id)


async def count(*, db: Database, course_id: str, active_only: bool = False) -> int:
    return await repo.count(db=db, course_id=course_id, active_only=active_only)
