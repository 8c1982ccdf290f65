"""The instructor's side: a quiz they may edit, checkpoints placed on a video lesson's
timeline (kept in the lesson, where the key check reads them), and a student's preview."""

from __future__ import annotations

from typing import Any

from coursevault import clock
from coursevault.assessments import views
from coursevault.auth.models import User
from coursevault.courses import errors as course_errors
from coursevault.courses import outline
from coursevault.courses import repo as courses_repo
from coursevault.courses import service as courses
from coursevault.courses.models import LessonKind, LessonUpdate
from coursevault.database.db import Database, Document
from coursevault.i18n import msg
from coursevault.quizzes import attempts as quiz_attempts
from coursevault.quizzes import editing, errors
from coursevault.quizzes import repo as quizzes_repo
from coursevault.quizzes.models import (
    Attempt,
    AttemptState,
    AttemptView,
    CheckpointCreate,
    Quiz,
    QuizKind,
    QuizUpdate,
)


async def owned_quiz(*, db: Database, user: User, quiz_id: str) -> tuple[Quiz, Document]:
    """The quiz and its course if USER may edit them: 404 when missing, 403 when not theirs."""
    quiz = await quizzes_repo.get_quiz(db=db, quiz_id=quiz_id)
    if quiz is None:
        raise errors.quiz_not_found()
    course = await courses.owned_course(db=db, course_id=quiz.course_id, user=user)
    return quiz, course


def _checkpoint_lesson(course: Document, lesson_id: str, at: float) -> dict[str, Any]:
    _, lesson = outline.find_lesson(course["sections"], lesson_id)
    if lesson["kind"] != LessonKind.video:
        raise errors.invalid_quiz(msg("Checkpoints go on video lessons."))
    duration = lesson.get("duration")
    if duration and at >= duration:
        raise errors.invalid_quiz(
            msg("The video is {seconds:.0f} s long; put the checkpoint before.", seconds=duration)
        )
    return lesson


def _sorted(checkpoints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(checkpoints, key=lambda c: (c["at"], c["id"]))


async def add_checkpoint(
    *, db: Database, course: Document, lesson_id: str, checkpoint_in: CheckpointCreate
) -> Quiz:
    lesson = _checkpoint_lesson(course, lesson_id, checkpoint_in.at)
    if len(await outline.lessons_playing(db=db, video_id=lesson["video_id"])) > 1:
        raise course_errors.checkpoint_video_shared()
    quiz = await quizzes_repo.create_quiz(
        db=db,
        course_id=course["_id"],
        lesson_id=lesson_id,
        kind=QuizKind.checkpoint,
        title=checkpoint_in.title,
        at=checkpoint_in.at,
    )

    def change(sections: outline.Sections) -> None:
        _, lesson = outline.find_lesson(sections, lesson_id)
        points = [*(lesson.get("checkpoints") or []), {"id": quiz.id, "at": quiz.at}]
        lesson["checkpoints"] = _sorted(points)

    try:
        await outline.edit_structure(db=db, course=course, change=change)
    except BaseException:
        await quizzes_repo.delete_quiz(db=db, quiz_id=quiz.id)
        raise
    return quiz


async def update(*, db: Database, quiz: Quiz, course: Document, quiz_in: QuizUpdate) -> Quiz:
    """Changes title, settings and, for a checkpoint, its second (the lesson's list too)."""
    if quiz_in.at is not None:
        if quiz.kind is not QuizKind.checkpoint:
            raise errors.invalid_quiz(msg("Only a checkpoint has a time."))
        _checkpoint_lesson(course, quiz.lesson_id, quiz_in.at)
    updated = await editing.update(db=db, quiz=quiz, quiz_in=quiz_in)
    if quiz_in.at is not None:
        at = quiz_in.at

        def change(sections: outline.Sections) -> None:
            _, lesson = outline.find_lesson(sections, quiz.lesson_id)
            kept = [c for c in lesson.get("checkpoints") or [] if c["id"] != quiz.id]
            lesson["checkpoints"] = _sorted([*kept, {"id": quiz.id, "at": at}])

        await outline.edit_structure(db=db, course=course, change=change)
    if quiz_in.title is not None and quiz.kind is QuizKind.lesson:
        await outline.update_lesson(
            db=db,
            course=await _fresh(db, course),
            lesson_id=quiz.lesson_id,
            lesson_in=LessonUpdate(title=quiz_in.title),
        )
    return updated


async def _fresh(db: Database, course: Document) -> Document:
    found = await courses_repo.get_course(db=db, course_id=course["_id"])
    if found is None:
        raise course_errors.course_not_found()
    return found


async def delete_checkpoint(*, db: Database, quiz: Quiz, course: Document) -> None:
    """Removes a checkpoint (a quiz lesson goes with its lesson, not alone)."""
    if quiz.kind is not QuizKind.checkpoint:
        raise errors.invalid_quiz(msg("A quiz lesson is removed by deleting its lesson."))

    def change(sections: outline.Sections) -> None:
        _, lesson = outline.find_lesson(sections, quiz.lesson_id)
        lesson["checkpoints"] = [c for c in lesson.get("checkpoints") or [] if c["id"] != quiz.id]
        outline.drop_quiz_rules(sections, {quiz.id})

    updated, _ = await outline.edit_structure(db=db, course=course, change=change)
    await quizzes_repo.delete_quiz(db=db, quiz_id=quiz.id)
    await outline.forget_quizzes(db=db, course=updated, gone={quiz.id})


def preview(quiz: Quiz, user: User) -> AttemptView:
    """A fresh attempt as a student would see it, stored nowhere."""
    questions, options = quiz_attempts.draw_orders(quiz)
    attempt = Attempt(
        id="preview",
        quiz_id=quiz.id,
        user_id=user.id,
        course_id=quiz.course_id,
        lesson_id=quiz.lesson_id,
        number=0,
        state=AttemptState.open,
        started_at=clock.now(),
        question_order=questions,
        option_order=options,
    )
    return views.attempt_view(quiz, attempt, None)
