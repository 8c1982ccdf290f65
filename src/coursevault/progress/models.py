"""Progress schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ProgressUpdate(BaseModel):
    position: float = Field(ge=0, le=48 * 3600)
    completed: bool | None = None


class LessonProgress(BaseModel):
    lesson_id: str
    position: float
    completed: bool
    updated_at: datetime | None


class ResumePoint(BaseModel):
    lesson_id: str
    position: float


class CourseProgress(BaseModel):
    course_id: str
    lessons: list[LessonProgress]
    completed: int
    total: int
    percent: float
    resume: ResumePoint | None
