"""HTTP routes for the studio's course reports (same paths and operation ids as before), the
money pages and the studio dashboard."""

from __future__ import annotations

from fastapi import APIRouter

from coursevault.auth.deps import CurrentUser, Instructor
from coursevault.courses import errors as course_errors
from coursevault.courses import service as courses
from coursevault.courses.deps import OwnedCourse, VisibleLesson
from coursevault.engagement import service as engagement
from coursevault.engagement.models import LessonEngagement
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import Db
from coursevault.i18n import msg
from coursevault.reports import dashboard, money, service
from coursevault.reports.models import CourseStats, MoneyReport, StudentPage, StudioDashboard

router = APIRouter(prefix="/api", tags=["courses"], responses=ERROR_RESPONSES)


@router.get("/courses/{course_id}/stats", operation_id="courseStats")
async def course_stats(course: OwnedCourse, db: Db) -> CourseStats:
    """Enrollments, revenue (paid minus refunded) and completion per lesson."""
    return await service.course_stats(db=db, course=course)


@router.get("/courses/{course_id}/students", operation_id="courseStudents")
async def course_students(course: OwnedCourse, db: Db) -> StudentPage:
    return await service.course_students(db=db, course=course)


@router.get("/lessons/{lesson_id}/engagement", operation_id="lessonEngagement", tags=["engagement"])
async def lesson_engagement(ref: VisibleLesson, user: CurrentUser, db: Db) -> LessonEngagement:
    """Retention (share of views still watching) and replays per 10 s of the lesson's video;
    403 not_course_owner for anyone but the instructor and admins."""
    if not courses.can_edit(user, ref.course):
        raise course_errors.not_course_owner(msg("read this lesson's engagement"))
    return await engagement.of_lesson(db=db, lesson_id=ref.lesson_id, duration=ref.video_duration)


@router.get("/reports/money", operation_id="moneyReport", tags=["reports"])
async def money_report(user: Instructor, db: Db) -> MoneyReport:
    """The money page: one-time sales per kind (course, bundle, gift, seats) and currency,
    and membership figures (MRR, members, churn). An instructor's own; an admin's are the
    whole site's. 403 for students."""
    return await money.money_report(db=db, user=user)


@router.get("/reports/dashboard", operation_id="studioDashboard", tags=["reports"])
async def studio_dashboard(user: Instructor, db: Db) -> StudioDashboard:
    """The studio's front page over the caller's own courses, sales and plans (admins'
    too): revenue per ISO week and currency (last 12 weeks), new students per week, who is
    watching now, completion per course and the lessons most viewers leave early. 403 for
    students."""
    return await dashboard.studio_dashboard(db=db, user=user)
