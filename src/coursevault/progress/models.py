"""Progress schemas."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Played:
    """A stretch of a video a playback session played, and when (wall clock)."""

    start: float
    end: float
    since: datetime
    until: datetime


class WatchEvidence(BaseModel):
    """What the server saw of a video lesson being watched (L1), kept with the progress."""

    completed: bool = False
    # The positions heartbeats showed played (merged (from, to) stretches, in order).
    watched: list[tuple[float, float]] = []
    # Wall-clock end of the last stretch counted: a second session of the same account
    # earns nothing for time already counted, so parallel streams do not watch faster.
    evidence_until: datetime | None = None
    evidence_rev: str | None = None  # changes at every evidence write (compare-and-set)


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
