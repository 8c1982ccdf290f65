"""Courses built through the same service code the app uses, and HTTP shortcuts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from coursevault import clock
from coursevault.auth.models import User
from coursevault.courses import outline
from coursevault.courses import service as courses
from coursevault.courses.models import (
    CourseCreate,
    LessonCreate,
    LessonKind,
    PlaybackPolicy,
    Price,
)
from coursevault.database.db import Database, Document


@dataclass
class BuiltCourse:
    id: str
    slug: str
    video_lesson: str | None
    text_lesson: str
    preview_lesson: str | None

    @property
    def lessons(self) -> list[str]:
        return [x for x in (self.video_lesson, self.text_lesson, self.preview_lesson) if x]


async def make_course(
    db: Database,
    instructor: User,
    *,
    title: str = "Practical Python",
    amount: int = 0,
    currency: str = "usd",
    video_id: str | None = None,
    publish: bool = True,
    policy: PlaybackPolicy | None = None,
    preview_video: bool = True,
) -> BuiltCourse:
    """A course with one section: a video lesson (when VIDEO_ID), a text lesson, and (with
    PREVIEW_VIDEO) a preview lesson of the same video."""
    course: Document = await courses.create_course(
        db=db,
        user=instructor,
        course_in=CourseCreate(
            title=title,
            description=f"{title}: a course for tests",
            price=Price(amount=amount, currency=currency),
            policy=policy or PlaybackPolicy(),
        ),
    )
    course, section_id = await outline.add_section(db=db, course=course, title="Basics")
    video_lesson = preview_lesson = None
    if video_id:
        course, video_lesson = await outline.add_lesson(
            db=db,
            course=course,
            section_id=section_id,
            lesson_in=LessonCreate(title="Watch this", kind=LessonKind.video, video_id=video_id),
        )
    if video_id and preview_video:
        course, preview_lesson = await outline.add_lesson(
            db=db,
            course=course,
            section_id=section_id,
            lesson_in=LessonCreate(
                title="Free preview", kind=LessonKind.video, video_id=video_id, preview=True
            ),
        )
    course, text_lesson = await outline.add_lesson(
        db=db,
        course=course,
        section_id=section_id,
        lesson_in=LessonCreate(title="Read this", kind=LessonKind.text, body="# Notes\n\nHello."),
    )
    if publish:
        course = await courses.publish(db=db, course=course)
    return BuiltCourse(
        id=course["_id"],
        slug=course["slug"],
        video_lesson=video_lesson,
        text_lesson=text_lesson,
        preview_lesson=preview_lesson,
    )


async def enrolled_course(
    client: httpx.AsyncClient,
    db: Database,
    instructor: User,
    student: dict[str, str],
    video_id: str,
    **policy: Any,
) -> BuiltCourse:
    """`make_course` with VIDEO_ID (and a POLICY), the STUDENT (their bearer header)
    enrolled through the API."""
    course = await make_course(
        db, instructor, video_id=video_id, policy=PlaybackPolicy(**policy) if policy else None
    )
    enrolled = await client.post(f"/api/courses/{course.id}/enroll", headers=student)
    assert enrolled.status_code == 201, enrolled.text
    return course


async def start_lesson(
    client: httpx.AsyncClient, headers: dict[str, str], lesson_id: str, device: str = "test"
) -> httpx.Response:
    return await client.post(
        f"/api/lessons/{lesson_id}/playback", json={"device": device}, headers=headers
    )


class Clock:
    """The server's clock (`coursevault.clock`), moved by the test: minutes pass in no time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = clock.now
        self.now = self.real()
        monkeypatch.setattr(clock, "now", lambda: self.now)

    def reset(self) -> None:
        """Back to the real time (sign-ins need it)."""
        self.now = self.real()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def watch(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    session_id: str,
    *,
    start: float = 0.0,
    to: float,
    step: float = 0.5,
    speed: float = 2.0,
) -> None:
    """Plays from START to TO like an honest player at SPEED (at most 2×, L1): a heartbeat
    at START (our player reports a seek), then one every STEP seconds of video, each after
    the wall-clock time that takes."""
    position = start
    while True:
        beat = await client.post(
            f"/api/playback/{session_id}/heartbeat", json={"position": position}, headers=headers
        )
        assert beat.status_code == 200, beat.text
        if position >= to:
            return
        position = min(to, position + step)
        await asyncio.sleep(step / speed)


def key_url(playlist_url: str) -> str:
    return playlist_url.rsplit("/", 1)[0] + "/key"


def course_json(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Data Science 101",
        "description": "Numbers and plots",
        "price": {"amount": 4900, "currency": "EUR"},
        **overrides,
    }
