"""Who may open a lesson, and why: the reason is stored with a playback session and
checked again at every key request (K1, P5)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coursevault.auth.models import User
from coursevault.captions import service as captions
from coursevault.courses import drip, errors
from coursevault.courses import repo as courses_repo
from coursevault.courses import service as courses
from coursevault.courses.models import LessonContent, LessonKind
from coursevault.courses.outline import find_lesson
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.markdown import render as render_markdown
from coursevault.progress import service as progress
from coursevault.quizzes import repo as quizzes_repo


class Access(StrEnum):
    staff = "staff"  # the course's instructor or an admin
    enrolled = "enrolled"  # an active enrollment, checked again at every key request
    preview = "preview"  # any signed-in user, on a lesson marked preview


@dataclass(frozen=True)
class LessonRef:
    course: Document
    section: dict[str, Any]
    lesson: dict[str, Any]

    @property
    def course_id(self) -> str:
        course_id: str = self.course["_id"]
        return course_id

    @property
    def lesson_id(self) -> str:
        lesson_id: str = self.lesson["id"]
        return lesson_id

    @property
    def video_duration(self) -> float | None:
        """The lesson's video length, or None for a text lesson (or one still processing)."""
        if self.lesson["kind"] != LessonKind.video or not self.lesson.get("duration"):
            return None
        return float(self.lesson["duration"])


async def lesson_ref(
    *, db: Database, lesson_id: str, viewer: User, max_age: float = 0.0
) -> LessonRef:
    """Finds a lesson that VIEWER may see (the course's visibility rule); 404 otherwise.
    MAX_AGE > 0 accepts the course as read up to that many seconds ago (playback starts)."""
    course = await courses_repo.course_of_lesson(db=db, lesson_id=lesson_id, max_age=max_age)
    if course is None or not await courses.may_see(db=db, course=course, viewer=viewer):
        raise errors.lesson_not_found()
    section, lesson = find_lesson(course["sections"], lesson_id)
    return LessonRef(course=course, section=section, lesson=lesson)


async def _check_released(
    db: Database, user: User, ref: LessonRef, standing: enrollments.Standing, max_age: float
) -> None:
    """403 lesson_not_released (with the date, or the quiz to pass first) while drip
    release holds the lesson back."""
    held = drip.held_until(
        ref.section, ref.lesson, enrolled_at=standing.since, unlocked=standing.unlocked
    )
    if held is not None:
        raise errors.lesson_not_released(held)
    rule = drip.rule_of(ref.section, ref.lesson)
    if rule is None or not rule.after_quiz or standing.unlocked or ref.lesson.get("preview"):
        return
    passed = await quizzes_repo.passed(
        db=db, user_id=user.id, quiz_ids=[rule.after_quiz], max_age=max_age
    )
    if rule.after_quiz not in passed:
        raise errors.lesson_after_quiz(rule.after_quiz)


async def lesson_access(*, db: Database, user: User, ref: LessonRef) -> Access:
    """Tells why USER may open the lesson; 403 not_enrolled when they may not, 403
    lesson_not_released while drip release holds it back."""
    if courses.can_edit(user, ref.course):
        return Access.staff
    standing = await enrollments.standing(
        db=db,
        user_id=user.id,
        course_id=ref.course_id,
        published=courses.on_sale(ref.course),
        drip=drip.holds_back(ref.course),
    )
    if standing is not None:
        await _check_released(db, user, ref, standing, max_age=0.0)
        return Access.enrolled
    if ref.lesson["preview"]:
        return Access.preview
    raise errors.not_enrolled()


async def still_allowed(
    *,
    db: Database,
    user: User,
    course_id: str,
    lesson_id: str,
    access: str,
    max_age: float = 0.0,
    accounted: bool = True,
) -> bool:
    """Re-checks, at key time, the reason a playback session was allowed (K1, P5); an
    enrollment and a course looked up at most MAX_AGE seconds ago count. A lesson held
    back again by drip release (its date moved later) raises 403 lesson_not_released.
    A session neither marked nor recorded as unmarked (ACCOUNTED false: it started before
    the course turned its forensic watermark on) loses its keys once the course has it
    (F7), so no stream of a watermarked course goes on untraceable."""
    if access not in (Access.enrolled, Access.staff, Access.preview):
        return False
    if access != Access.enrolled and accounted:
        return True
    course = await courses_repo.course_of_lesson(db=db, lesson_id=lesson_id, max_age=max_age)
    if course is None or course["_id"] != course_id:
        return False
    if not accounted and course.get("policy", {}).get("forensic_watermark"):
        return False
    if access == Access.enrolled:
        standing = await enrollments.standing(
            db=db,
            user_id=user.id,
            course_id=course_id,
            published=courses.on_sale(course),
            drip=drip.holds_back(course),
            max_age=max_age,
        )
        if standing is None:
            return False
        section, lesson = find_lesson(course["sections"], lesson_id)
        ref = LessonRef(course=course, section=section, lesson=lesson)
        await _check_released(db, user, ref, standing, max_age=max_age)
    return True


async def lesson_content(*, db: Database, user: User, ref: LessonRef) -> LessonContent:
    """Returns the lesson, with USER's position in it, for someone allowed to open it."""
    saved = await progress.of_lesson(db=db, user_id=user.id, lesson_id=ref.lesson_id)
    text = ref.lesson["kind"] == LessonKind.text
    video_id = None if text else ref.lesson.get("video_id")
    return LessonContent(
        id=ref.lesson_id,
        course_id=ref.course_id,
        title=ref.lesson["title"],
        kind=ref.lesson["kind"],
        body_html=render_markdown(ref.lesson["body"]) if text else None,
        duration=ref.lesson.get("duration"),
        position=saved.position if saved else 0.0,
        completed=saved.completed if saved else False,
        chapters=ref.lesson.get("chapters", []),
        captions=await captions.languages(db=db, video_id=video_id) if video_id else [],
        quiz_id=ref.lesson.get("quiz_id"),
        checkpoints=ref.lesson.get("checkpoints") or [],
    )


async def unlock_for(*, db: Database, course: Document, user_id: str) -> None:
    """Opens every lesson of COURSE for one enrolled student; 404 when not enrolled."""
    if not await enrollments.unlock(db=db, user_id=user_id, course_id=course["_id"]):
        raise errors.not_enrolled_student()
