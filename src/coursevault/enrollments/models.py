"""Enrollment schemas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel


class EnrollmentRead(BaseModel):
    course_id: str
    state: str


@dataclass(frozen=True)
class Standing:
    """An active enrollment as drip release needs it."""

    since: datetime
    unlocked: bool  # the instructor opened every lesson for this student
