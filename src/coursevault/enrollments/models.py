"""Enrollment schemas."""

from __future__ import annotations

from pydantic import BaseModel


class EnrollmentRead(BaseModel):
    course_id: str
    state: str
