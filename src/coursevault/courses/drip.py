"""Drip release: a lesson (or every lesson of a section) opens a number of days after the
student enrolled, on a date, or once the student passed a quiz (courses.access checks
that one). Staff and preview lessons are never held back, and an
instructor may unlock a course whole for one student."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from coursevault import clock
from coursevault.courses.models import Release


def rule_of(section: dict[str, Any], lesson: dict[str, Any]) -> Release | None:
    """The release rule that applies to LESSON: its own, else its section's."""
    stored = lesson.get("release") or section.get("release")
    return Release.model_validate(stored) if stored else None


def holds_back(course: dict[str, Any]) -> bool:
    """Whether any section or lesson of COURSE has a release rule."""
    return any(
        section.get("release") or any(lesson.get("release") for lesson in section["lessons"])
        for section in course["sections"]
    )


def opens_at(rule: Release | None, enrolled_at: datetime | None) -> datetime | None:
    """When a lesson under RULE opens for a student enrolled at ENROLLED_AT (None: open)."""
    if rule is None:
        return None
    if rule.on is not None:
        return rule.on
    if rule.after_days is not None and enrolled_at is not None:
        return enrolled_at + timedelta(days=rule.after_days)
    return None


def held_until(
    section: dict[str, Any],
    lesson: dict[str, Any],
    *,
    enrolled_at: datetime | None,
    unlocked: bool,
    now: datetime | None = None,
) -> datetime | None:
    """The future moment the lesson opens for this student, or None when it is open now."""
    if unlocked or lesson.get("preview"):
        return None
    at = opens_at(rule_of(section, lesson), enrolled_at)
    return at if at is not None and at > (now or clock.now()) else None


def stored(rule: Release | None) -> dict[str, Any] | None:
    """The stored form of RULE (an empty rule clears the release)."""
    if rule is None or (rule.on is None and rule.after_days is None and not rule.after_quiz):
        return None
    return rule.model_dump(exclude_none=True)
