"""Progress rules: what completes a lesson, a course's share done, where to resume.

Progress sits below courses: it is keyed by ids and told a lesson's duration, so courses
(and streaming's heartbeat) call it and it calls no feature.
"""

from __future__ import annotations

from coursevault import clock
from coursevault.db import Database
from coursevault.progress import repo as progress_repo
from coursevault.progress.models import CourseProgress, LessonProgress, ResumePoint

COMPLETION_SHARE = 0.9  # a video lesson is complete once 90 % of it has been watched


def _completes(video_duration: float | None, position: float, completed: bool | None) -> bool:
    if video_duration:
        return bool(completed) or position >= COMPLETION_SHARE * video_duration
    return bool(completed)


async def record(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    lesson_id: str,
    position: float,
    video_duration: float | None,
    completed: bool | None = None,
) -> LessonProgress:
    """Stores where USER_ID is in the lesson; a video completes at 90 % watched."""
    position = min(position, video_duration) if video_duration else position
    return await progress_repo.save(
        db=db,
        user_id=user_id,
        course_id=course_id,
        lesson_id=lesson_id,
        position=position,
        completed=_completes(video_duration, position, completed),
    )


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


async def forget_course(*, db: Database, course_id: str) -> None:
    """Deletes every position saved for a course (the course is being deleted)."""
    await progress_repo.delete_for_course(db=db, course_id=course_id)
