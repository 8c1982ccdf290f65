"""Report schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from coursevault.payments.models import Revenue


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
