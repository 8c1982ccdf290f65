"""Report schemas."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from coursevault.memberships.models import MembershipMoney
from coursevault.payments.models import KindRevenue, Revenue


class LessonStats(BaseModel):
    lesson_id: str
    title: str
    completed: int
    completion_rate: float


class CourseStats(BaseModel):
    course_id: str
    enrollments: int
    active_enrollments: int
    revenue: list[Revenue]
    lessons: list[LessonStats]


class StudentRead(BaseModel):
    user_id: str
    email: str
    name: str
    state: str
    source: str
    enrolled_at: datetime


class StudentPage(BaseModel):
    items: list[StudentRead]


class MoneyScope(StrEnum):
    instructor = "instructor"  # the caller's own courses, bundles and plans
    site = "site"  # every sale and plan of the site (admins)


class MoneyReport(BaseModel):
    """The money pages' figures: one-time sales per order kind and currency, and the
    membership plans'."""

    scope: MoneyScope
    sales: list[KindRevenue]
    memberships: MembershipMoney


class DashboardWeek(BaseModel):
    week: str  # ISO 8601 week, e.g. "2026-W07"
    starts_on: date  # its Monday (UTC)


class WeekRevenue(BaseModel):
    week: str
    paid: int  # what the week's sales brought, in minor units
    refunded: int  # the part of it refunded since
    net: int


class CurrencyRevenue(BaseModel):
    """One currency's sales per week (every week of the dashboard, zero-filled)."""

    currency: str
    weeks: list[WeekRevenue]
    net: int  # over all the weeks


class WeekCount(BaseModel):
    week: str
    count: int


class CourseCompletion(BaseModel):
    course_id: str
    title: str
    enrolled: int  # students ever enrolled
    finished: int  # of them, those who meet the course's completion rule
    completion_rate: float  # finished / enrolled (0 with nobody enrolled)
    watching_now: int  # students with a live playback session in the course


class CompletionTotals(BaseModel):
    enrolled: int
    finished: int
    completion_rate: float


class DropOff(BaseModel):
    """A lesson many viewers left before its end."""

    course_id: str
    course_title: str
    lesson_id: str
    lesson_title: str
    views: int
    stopped: int  # views that did not reach the last 10 seconds
    share: float  # stopped / views


class StudioDashboard(BaseModel):
    """The studio's front page over the caller's own courses, sales and plans."""

    weeks: list[DashboardWeek]  # the last 12 ISO weeks, oldest first, this one last
    revenue: list[CurrencyRevenue]  # one per currency sold in those weeks
    new_students: list[WeekCount]
    watching_now: int  # distinct students watching any of the courses now
    courses: list[CourseCompletion]
    completion: CompletionTotals
    drop_offs: list[DropOff]  # at most 5, most stopped first
