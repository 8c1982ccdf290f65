"""Certificate schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Certificate(BaseModel):
    """A stored certificate (the `certificates` collection)."""

    id: str
    user_id: str
    course_id: str
    student_name: str
    course_title: str
    instructor_name: str
    issued_at: datetime
    score: float | None = None  # the course's quiz average, when its rule prints it


class CertificateRead(BaseModel):
    """What the student and the public verification page see."""

    verification_id: str
    student_name: str
    course_title: str
    instructor_name: str
    issued_at: datetime
    score: float | None = None
    verify_url: str
    pdf_url: str | None = None  # only for the student it belongs to
