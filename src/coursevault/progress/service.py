"""Progress rules: what completes a lesson, a course's share done, where to resume.

Progress sits below courses: it is keyed by ids and told a lesson's duration, so courses
(and streaming's heartbeat) call it and it calls no feature.

L1: a text lesson completes when the learner says so; a video lesson only on the
server's own evidence, the stretches its playback sessions' heartbeats showed played
(each no faster than 2× the wall-clock time between two heartbeats, as streaming
measures it), once they cover 90 % of the video. A learner's own report (`PUT
…/progress`) moves the resume point only.
"""

from __future__ import annotations

import functools
from datetime import datetime

from coursevault import clock
from coursevault.database.db import Database
from coursevault.progress import errors
from coursevault.progress import repo as progress_repo
from coursevault.progress.models import (
    CourseProgress,
    LessonProgress,
    Played,
    ResumePoint,
    WatchEvidence,
)

COMPLETION_SHARE = 0.9  # by default a video lesson is complete once 90 % was watched
MAX_STRETCHES = 100  # stretches kept per student and lesson (the longest, when more)
SAVE_ATTEMPTS = 3  # heartbeats of one account racing on one lesson


async def record(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    lesson_id: str,
    position: float,
    video_duration: float | None,
    completed: bool | None = None,
    video: bool | None = None,
) -> LessonProgress:
    """Stores where USER_ID says they are in the lesson. A text lesson completes when they
    say so; asking that of a VIDEO lesson (by default: one with a duration) is 409 and
    stores nothing (L1)."""
    video = video_duration is not None if video is None else video
    if video and completed:
        raise errors.completion_needs_watching()
    position = min(position, video_duration) if video_duration else position
    saved = await progress_repo.save(
        db=db,
        user_id=user_id,
        course_id=course_id,
        lesson_id=lesson_id,
        position=position,
        completed=bool(completed) and not video,
    )
    assert saved is not None  # only evidence writes can lose a race
    return saved


async def record_watching(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    lesson_id: str,
    position: float,
    video_duration: float | None,
    played: Played | None,
    share: float = COMPLETION_SHARE,
) -> LessonProgress:
    """Stores the position a heartbeat reported and what its session PLAYED since the
    previous one; the video completes once what was played covers SHARE of it (90 % unless
    the course's completion rule says otherwise; L1, Q4)."""
    keep_position = functools.partial(
        record,
        db=db,
        user_id=user_id,
        course_id=course_id,
        lesson_id=lesson_id,
        video_duration=video_duration,
    )
    if played is None or not video_duration:
        return await keep_position(position=position)
    position = min(position, video_duration)
    for _ in range(SAVE_ATTEMPTS):
        stored = await progress_repo.evidence(db=db, user_id=user_id, lesson_id=lesson_id)
        watched = _merge(stored.watched, _unclaimed(played, stored.evidence_until), video_duration)
        seconds = sum(end - start for start, end in watched)
        evidence = WatchEvidence(
            completed=stored.completed or seconds >= share * video_duration,
            watched=watched,
            evidence_until=max(played.until, stored.evidence_until or played.until),
        )
        saved = await progress_repo.save(
            db=db,
            user_id=user_id,
            course_id=course_id,
            lesson_id=lesson_id,
            position=position,
            completed=evidence.completed,
            evidence=evidence,
            expect_rev=stored.evidence_rev,
        )
        if saved is not None:
            return saved
    # Still racing: keep the position; this heartbeat's stretch is not counted.
    return await keep_position(position=position)


def _unclaimed(played: Played, counted_until: datetime | None) -> tuple[float, float] | None:
    """The part of PLAYED paid for by wall-clock time not yet counted for the account's
    other sessions: two streams of one lesson at once do not watch it twice as fast."""
    if counted_until is None or counted_until <= played.since:
        return played.start, played.end
    if counted_until >= played.until:
        return None
    share = (played.until - counted_until) / (played.until - played.since)
    return played.start, played.start + (played.end - played.start) * share


def _merge(
    watched: list[tuple[float, float]], stretch: tuple[float, float] | None, duration: float
) -> list[tuple[float, float]]:
    """WATCHED with STRETCH added (cut to the video), overlapping stretches joined."""
    spans = list(watched)
    if stretch is not None and min(stretch[1], duration) > max(stretch[0], 0.0):
        spans.append((max(stretch[0], 0.0), min(stretch[1], duration)))
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if len(merged) > MAX_STRETCHES:  # scattered crumbs (a forger's): keep the longest
        merged = sorted(sorted(merged, key=lambda s: s[1] - s[0])[-MAX_STRETCHES:])
    return merged


async def of_lesson(*, db: Database, user_id: str, lesson_id: str) -> LessonProgress | None:
    """Returns what USER_ID saved for the lesson, or None when never started."""
    return await progress_repo.of_lesson(db=db, user_id=user_id, lesson_id=lesson_id)


async def resume_position(*, db: Database, user_id: str, lesson_id: str) -> float:
    """Returns where USER_ID left the lesson (0 when never started)."""
    saved = await of_lesson(db=db, user_id=user_id, lesson_id=lesson_id)
    return saved.position if saved else 0.0


async def course_progress(
    *, db: Database, user_id: str, course_id: str, lesson_ids: list[str]
) -> CourseProgress:
    """Returns per-lesson progress (LESSON_IDS in order), the share done and where to resume."""
    saved = {
        p.lesson_id: p
        for p in await progress_repo.of_course(db=db, user_id=user_id, course_id=course_id)
    }
    items = [
        saved.get(lesson_id)
        or LessonProgress(lesson_id=lesson_id, position=0.0, completed=False, updated_at=None)
        for lesson_id in lesson_ids
    ]
    done = sum(item.completed for item in items)
    return CourseProgress(
        course_id=course_id,
        lessons=items,
        completed=done,
        total=len(items),
        percent=round(100.0 * done / len(items), 1) if items else 0.0,
        resume=_resume_point(items),
    )


def _resume_point(items: list[LessonProgress]) -> ResumePoint | None:
    """The lesson last watched if unfinished, else the first unfinished one in order."""
    started = [i for i in items if i.updated_at is not None and not i.completed]
    if started:
        last = max(started, key=lambda i: i.updated_at or clock.now())
        return ResumePoint(lesson_id=last.lesson_id, position=last.position)
    first_open = next((i for i in items if not i.completed), None)
    return ResumePoint(lesson_id=first_open.lesson_id, position=0.0) if first_open else None


async def completion_counts(*, db: Database, course_id: str) -> dict[str, int]:
    """Returns, per lesson id, how many students completed it."""
    return await progress_repo.completions(db=db, course_id=course_id)


async def finishers(*, db: Database, course_id: str, lesson_ids: list[str]) -> list[str]:
    """The users who completed every lesson of LESSON_IDS in COURSE_ID."""
    return await progress_repo.finishers(db=db, course_id=course_id, lesson_ids=lesson_ids)


async def forget_course(*, db: Database, course_id: str) -> None:
    """Deletes every position saved for a course (the course is being deleted)."""
    await progress_repo.delete_for_course(db=db, course_id=course_id)
