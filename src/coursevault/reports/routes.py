"""HTTP routes for the studio's course reports (same paths and operation ids as before)."""

from __future__ import annotations

from fastapi import APIRouter

from coursevault.courses.deps import OwnedCourse
from coursevault.deps import Db
from coursevault.errors import ERROR_RESPONSES
from coursevault.reports import service
from coursevault.reports.models import CourseStats, StudentPage

router = APIRouter(prefix="/api", tags=["courses"], responses=ERROR_RESPONSES)


@router.get("/courses/{course_id}/stats", operation_id="courseStats")
async def course_stats(course: OwnedCourse, db: Db) -> CourseStats:
    """Enrollments, revenue (paid minus refunded) and completion per lesson."""
    return await service.course_stats(db=db, course=course)


@router.get("/courses/{course_id}/students", operation_id="courseStudents")
async def course_students(course: OwnedCourse, db: Db) -> StudentPage:
    return await service.course_students(db=db, course=course)
