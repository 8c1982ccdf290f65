"""Report schemas."""

from __future__ import annotations

from datetime import datetime
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
