"""Access rules: who may watch a course right now, and why (the grants, one function)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coursevault.database.db import Database, Document
from coursevault.enrollments import repo
from coursevault.enrollments.models import GrantSource, GrantState
from coursevault.enrollments.models import Standing as Standing

# The one question the key check, playback start, drip and certificates ask; answered
# where its cache and the grant writes that forget it live.
standing = repo.standing


async def is_active(
    *, db: Database, user_id: str, course_id: str, published: bool, max_age: float = 0.0
) -> bool:
    """Tells whether USER_ID may watch COURSE_ID's lessons as a student, right now (or, with
    MAX_AGE > 0, as of a lookup at most that many seconds old)."""
    found = await standing(
        db=db, user_id=user_id, course_id=course_id, published=published, max_age=max_age
    )
    return found is not None


async def owns(*, db: Database, user_id: str, course_id: str) -> bool:
    """Tells whether USER_ID holds COURSE_ID for good: through a grant in force with no end
    (an order, a gift, a seat, a free or staff grant). A membership's grant ends, so a
    member may still buy the course, or claim it as a gift, to keep it."""
    found = await standing(db=db, user_id=user_id, course_id=course_id, published=True)
    return found is not None and found.until is None


async def unlock(*, db: Database, user_id: str, course_id: str) -> bool:
    """Opens every lesson of COURSE_ID for USER_ID now; False when they have no access."""
    return await repo.unlock(db=db, user_id=user_id, course_id=course_id)


async def enroll_free(*, db: Database, user_id: str, course_id: str) -> bool:
    """Enrolls in a free course; False when the enrollment was already active."""
    if await is_active(db=db, user_id=user_id, course_id=course_id, published=True):
        return False
    return await repo.put(
        db=db, user_id=user_id, source=GrantSource.free, source_id=course_id, course_id=course_id
    )


async def apply_order(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    order_id: str,
    version: int,
    active: bool,
    source: GrantSource = GrantSource.order,
) -> bool:
    """Makes the grant of an order (a course's, or one course of a bundle's) follow
    snapshot VERSION of the order; older snapshots never win (P4)."""
    return await repo.put(
        db=db,
        user_id=user_id,
        source=source,
        source_id=order_id,
        course_id=course_id,
        active=active,
        version=version,
    )


async def grant(
    *,
    db: Database,
    user_id: str,
    source: GrantSource,
    source_id: str,
    course_id: str,
    active: bool = True,
) -> bool:
    """Creates (or takes back, ACTIVE false) one course's grant of SOURCE."""
    return await repo.put(
        db=db,
        user_id=user_id,
        source=source,
        source_id=source_id,
        course_id=course_id,
        active=active,
    )


@dataclass(frozen=True)
class PlanScope:
    """The courses a plan opens: all of the site's, or the listed ones."""

    all_courses: bool
    course_ids: list[str]


async def grant_membership(
    *,
    db: Database,
    user_id: str,
    membership_id: str,
    plan_id: str,
    scope: PlanScope,
    active: bool,
    starts_at: datetime,
    ends_at: datetime | None,
    plan_version: int,
) -> bool:
    """Sets the grant of a membership: in force from STARTS_AT until ENDS_AT (None: while
    it is paid), over the plan's courses as of PLAN_VERSION (a scope the grant has from a
    newer version of the plan stays)."""
    return await repo.put(
        db=db,
        user_id=user_id,
        source=GrantSource.membership,
        source_id=membership_id,
        plan_id=plan_id,
        scope_courses=scope.course_ids,
        scope_all=scope.all_courses,
        active=active,
        starts_at=starts_at,
        ends_at=ends_at,
        plan_version=plan_version,
    )


async def set_plan_scope(*, db: Database, plan_id: str, scope: PlanScope, version: int) -> int:
    """Gives the members of PLAN_ID the plan's courses as of the plan's VERSION, where
    their grants have an older one's; returns how many grants changed."""
    return await repo.set_plan_scope(
        db=db,
        plan_id=plan_id,
        scope_courses=scope.course_ids,
        scope_all=scope.all_courses,
        plan_version=version,
    )


async def revoke_source(
    *, db: Database, source: GrantSource, source_id: str, state: GrantState = GrantState.revoked
) -> list[Document]:
    """Takes back every grant of one source (refund, dispute, seat reassigned); returns the
    grants taken back (to stop their viewers)."""
    return await repo.revoke_source(db=db, source=source, source_id=source_id, state=state)


async def of_source(*, db: Database, source: GrantSource, source_id: str) -> list[Document]:
    return await repo.of_source(db=db, source=source, source_id=source_id)


@dataclass(frozen=True)
class UserCourses:
    """The courses a user may watch now: named ones (newest grant first) and, with a
    site-wide membership, every course."""

    course_ids: list[str]
    all_courses: bool


async def courses_of_user(*, db: Database, user_id: str) -> UserCourses:
    found = await repo.of_user(db=db, user_id=user_id)
    ids: list[str] = []
    for doc in found:
        for course_id in [doc["course_id"]] if doc.get("course_id") else doc["scope_courses"]:
            if course_id not in ids:
                ids.append(course_id)
    return UserCourses(course_ids=ids, all_courses=any(d.get("scope_all") for d in found))


async def of_course(*, db: Database, course_id: str) -> list[Document]:
    """Every grant naming the course (its students by source, in force or not)."""
    return await repo.of_course(db=db, course_id=course_id)


async def students_now(*, db: Database, course_id: str, published: bool) -> list[Document]:
    """The grants that make someone a student of COURSE_ID now (PUBLISHED: whether it is
    on sale): in force, of any source but staff, members' included."""
    return await repo.students_now(db=db, course_id=course_id, published=published)


async def count(*, db: Database, course_id: str, active_only: bool = False) -> int:
    return await repo.count(db=db, course_id=course_id, active_only=active_only)
