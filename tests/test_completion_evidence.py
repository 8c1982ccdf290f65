"""Completion proves watching (L1): a video lesson completes only on the server's own
evidence, the stretches its playback sessions' heartbeats showed played no faster than
twice the wall clock (L2), never because the learner or a forged heartbeat says so. Text
lessons are still marked done by the learner."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, enrolled_course, start_lesson, watch
from tests.factories import SignedIn, error_code


@pytest.fixture
async def course(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> BuiltCourse:
    """A course with the 2 s video lesson, a preview of it and a text lesson; the student
    is enrolled."""
    return await enrolled_course(client, db, instructor.user, student.bearer, ready_video)


async def progress_of(
    client: httpx.AsyncClient, who: SignedIn, course: BuiltCourse, lesson: str
) -> dict[str, Any]:
    """The lesson's line of the course progress, as the learner sees it."""
    answer = await client.get(f"/api/courses/{course.id}/progress", headers=who.bearer)
    assert answer.status_code == 200
    found: dict[str, Any] = next(p for p in answer.json()["lessons"] if p["lesson_id"] == lesson)
    return found


async def started(client: httpx.AsyncClient, who: SignedIn, lesson: str) -> str:
    answer = await start_lesson(client, who.bearer, lesson)
    assert answer.status_code == 201, answer.text
    session: str = answer.json()["session_id"]
    return session


async def beat(client: httpx.AsyncClient, who: SignedIn, session: str, position: float) -> None:
    answer = await client.post(
        f"/api/playback/{session}/heartbeat", json={"position": position}, headers=who.bearer
    )
    assert answer.status_code == 200, answer.text


async def test_L1_a_video_lesson_cannot_be_marked_done_a_text_lesson_can(
    client: httpx.AsyncClient, student: SignedIn, course: BuiltCourse
) -> None:
    video = course.video_lesson
    assert video
    before = await progress_of(client, student, course, video)
    forged = await client.put(
        f"/api/lessons/{video}/progress",
        json={"position": 1.9, "completed": True},
        headers=student.bearer,
    )
    assert forged.status_code == 409 and error_code(forged) == "completion_needs_watching"
    assert await progress_of(client, student, course, video) == before  # nothing stored

    # The position alone is a resume point, not evidence of watching.
    moved = await client.put(
        f"/api/lessons/{video}/progress", json={"position": 1.9}, headers=student.bearer
    )
    assert moved.status_code == 200 and moved.json()["completed"] is False
    lesson = await client.get(f"/api/lessons/{video}", headers=student.bearer)
    assert lesson.json()["completed"] is False and lesson.json()["position"] == 1.9

    done = await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    assert done.status_code == 200 and done.json()["completed"] is True


async def test_L1_heartbeats_jumping_to_the_end_complete_nothing(
    client: httpx.AsyncClient, student: SignedIn, course: BuiltCourse
) -> None:
    video = course.video_lesson
    assert video
    session = await started(client, student, video)
    for position in (0.5, 1.0, 1.5, 1.9, 2.0):  # the whole clip in a few milliseconds
        await beat(client, student, session, position)
    mine = await progress_of(client, student, course, video)
    assert mine["completed"] is False and mine["position"] == pytest.approx(2.0, abs=0.05)
    # Nor does a heartbeat that waits, then jumps further than twice that time plays.
    await beat(client, student, session, 0.0)  # back to the start (a seek)
    await asyncio.sleep(0.3)
    await beat(client, student, session, 2.0)  # 2 s of video in 0.3 s
    assert (await progress_of(client, student, course, video))["completed"] is False


async def test_L1_watching_at_up_to_twice_the_speed_completes_across_sessions(
    client: httpx.AsyncClient, student: SignedIn, course: BuiltCourse
) -> None:
    """Half today, the rest after a reload: what both sessions played adds up."""
    video = course.video_lesson
    assert video
    first = await started(client, student, video)
    await watch(client, student.bearer, first, to=1.0, speed=2.0)
    await client.delete(f"/api/playback/{first}", headers=student.bearer)
    half = await progress_of(client, student, course, video)
    assert half["completed"] is False and half["position"] == 1.0

    again = await start_lesson(client, student.bearer, video)
    assert again.json()["resume_position"] == 1.0
    await watch(client, student.bearer, again.json()["session_id"], start=1.0, to=2.0)
    assert (await progress_of(client, student, course, video))["completed"] is True
    lesson = await client.get(f"/api/lessons/{video}", headers=student.bearer)
    assert lesson.json()["completed"] is True
    # Completion is kept when the lesson is watched again from the start.
    replay = await started(client, student, video)
    await beat(client, student, replay, 0.0)
    assert (await progress_of(client, student, course, video))["completed"] is True


async def test_L1_two_streams_at_once_do_not_watch_twice_as_fast(
    client: httpx.AsyncClient, student: SignedIn, course: BuiltCourse
) -> None:
    """Two sessions of one account playing different halves over the same half second:
    the wall-clock time is counted once, so together they played one half, not the clip."""
    video = course.video_lesson
    assert video
    front, back = await started(client, student, video), await started(client, student, video)
    await beat(client, student, back, 1.0)  # the second one seeks to the middle
    await asyncio.sleep(0.5)
    await beat(client, student, front, 1.0)  # [0, 1] in 0.5 s: 2×
    await beat(client, student, back, 2.0)  # [1, 2] in the same 0.5 s
    assert (await progress_of(client, student, course, video))["completed"] is False
    # Watching it all again, in real time, completes it. (From the start: on a loaded
    # machine the two sessions' start-up takes wall time, so less of the first half may
    # have been counted above; that only ever counts less.)
    await watch(client, student.bearer, front, start=0.0, to=2.0)
    assert (await progress_of(client, student, course, video))["completed"] is True
