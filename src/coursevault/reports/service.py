"""Report rules: what an instructor sees about one course."""

from __future__ import annotations

from coursevault.auth import service as auth
from coursevault.courses.outline import lessons_of
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.payments import orders as payment_orders
from coursevault.progress import service as progress
from coursevault.reports.models import CourseStats, LessonStats, StudentPage, StudentRead


async def course_stats(*, db: Database, course: Document) -> CourseStats:
    """Returns enrollments, revenue (paid minus refunded) and completion per lesson."""
    total = await enrollments.count(db=db, course_id=course["_id"])
    active = await enrollments.count(db=db, course_id=course["_id"], active_only=True)
    done = await progress.completion_counts(db=db, course_id=course["_id"])
    return CourseStats(
        course_id=course["_id"],
        enrollments=total,
        active_enrollments=active,
        revenue=await payment_orders.revenue(db=db, course_id=course["_id"]),
        lessons=[
            LessonStats(
                lesson_id=lesson["id"],
                title=lesson["title"],
                completed=done.get(lesson["id"], 0),
                completion_rate=round(done.get(lesson["id"], 0) / active, 3) if active else 0.0,
            )
            for lesson in lessons_of(course)
        ],
    )


def _one_per_student(grants: list[Document]) -> list[Document]:
    """A student with several grants for the course (bought it, then got a seat) is listed
    once: by an active grant if any, else the latest; in the order they first came."""
    chosen: dict[str, Document] = {}
    for grant in grants:
        held = chosen.get(grant["user_id"])
        if held is None or held["state"] != "active":
            chosen[grant["user_id"]] = (
                grant if held is None else {**grant, "created_at": held["created_at"]}
            )
    return list(chosen.values())


async def course_students(*, db: Database, course: Document) -> StudentPage:
    """Returns everyone enrolled in COURSE (active or not) with their account."""
    rows = _one_per_student(await enrollments.of_course(db=db, course_id=course["_id"]))
    users = await auth.get_users(db=db, user_ids=[r["user_id"] for r in rows])
    return StudentPage(
        items=[
            StudentRead(
                user_id=r["user_id"],
                email=users[r["user_id"]].email,
                name=users[r["user_id"]].name,
                state=r["state"],
                source=r["source"],
                enrolled_at=r["created_at"],
            )
            for r in rows
            if r["user_id"] in users
        ]
    )
