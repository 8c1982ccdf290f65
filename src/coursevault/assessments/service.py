"""Taking a quiz: who may (whoever may open its lesson: enrolled and released, staff, or
anyone on a preview lesson), and what follows a submit (a passed quiz lesson completes;
a passed checkpoint lets the key server hand out the next keys at once, Q3)."""

from __future__ import annotations

from coursevault import clock
from coursevault.assessments import views
from coursevault.auth.models import User
from coursevault.courses import access as lessons
from coursevault.database.db import Database
from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg
from coursevault.progress import service as progress
from coursevault.quizzes import attempts as quiz_attempts
from coursevault.quizzes import errors, grading
from coursevault.quizzes import repo as quizzes_repo
from coursevault.quizzes.models import (
    AnswerIn,
    AnswerSaved,
    Attempt,
    AttemptView,
    Quiz,
    QuizKind,
    QuizResult,
    QuizView,
    Reveal,
)


async def _result(db: Database, user: User, quiz: Quiz) -> QuizResult | None:
    return await quizzes_repo.get_result(db=db, user_id=user.id, quiz_id=quiz.id)


async def open_quiz(*, db: Database, user: User, quiz_id: str) -> Quiz:
    """The quiz, if USER may open its lesson; 404 quiz_not_found when it does not exist or
    its course is hidden from USER, else the lesson's own refusal (not_enrolled, …)."""
    quiz = await quizzes_repo.get_quiz(db=db, quiz_id=quiz_id)
    if quiz is None:
        raise errors.quiz_not_found()
    try:
        ref = await lessons.lesson_ref(db=db, lesson_id=quiz.lesson_id, viewer=user)
    except AppError as exc:
        if exc.status == 404:
            raise errors.quiz_not_found() from None
        raise
    await lessons.lesson_access(db=db, user=user, ref=ref)
    return quiz


async def quiz_view(*, db: Database, user: User, quiz_id: str) -> QuizView:
    quiz = await open_quiz(db=db, user=user, quiz_id=quiz_id)
    attempts = await settled(db=db, quiz=quiz, user_id=user.id)
    return views.quiz_view(quiz, attempts, await _result(db, user, quiz))


async def settled(*, db: Database, quiz: Quiz, user_id: str) -> list[Attempt]:
    """USER_ID's attempts at QUIZ, any whose time ran out graded and closed first."""
    attempts = await quizzes_repo.attempts_of(db=db, quiz_id=quiz.id, user_id=user_id)
    return [await _settle(db, quiz, attempt) for attempt in attempts]


async def settle_overdue(*, db: Database, quiz: Quiz) -> None:
    """Grades the attempts at QUIZ whose time ran out while nobody looked (results)."""
    for attempt in await quizzes_repo.overdue(db=db, quiz_id=quiz.id, now=clock.now()):
        await _settle(db, quiz, attempt)


async def _settle(db: Database, quiz: Quiz, attempt: Attempt) -> Attempt:
    closed, result = await quiz_attempts.close_if_expired(db=db, quiz=quiz, attempt=attempt)
    if result is not None:
        await _after_submit(db, quiz, closed)
    return closed


async def start(*, db: Database, user: User, quiz_id: str) -> tuple[AttemptView, bool]:
    quiz = await open_quiz(db=db, user=user, quiz_id=quiz_id)
    if not quiz.questions:
        raise errors.invalid_quiz(msg("This quiz has no questions yet."))
    await settled(db=db, quiz=quiz, user_id=user.id)  # a timed-out attempt counts first
    attempt, new = await quiz_attempts.start(db=db, quiz=quiz, user_id=user.id)
    return views.attempt_view(quiz, attempt, await _result(db, user, quiz)), new


async def _own_attempt(db: Database, user: User, attempt_id: str) -> tuple[Quiz, Attempt]:
    """USER's attempt and its quiz; another student's attempt is not found (Q2), and a
    student who lost access to the lesson (refund) cannot go on with it."""
    attempt = await quizzes_repo.get_attempt(db=db, attempt_id=attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise errors.attempt_not_found()
    quiz = await open_quiz(db=db, user=user, quiz_id=attempt.quiz_id)
    return quiz, attempt


async def attempt_view(*, db: Database, user: User, attempt_id: str) -> AttemptView:
    quiz, attempt = await _own_attempt(db, user, attempt_id)
    attempt = await _settle(db, quiz, attempt)
    return views.attempt_view(quiz, attempt, await _result(db, user, quiz))


async def answer(
    *, db: Database, user: User, attempt_id: str, question_id: str, given: AnswerIn
) -> AnswerSaved:
    quiz, attempt = await _own_attempt(db, user, attempt_id)
    try:
        question, saved_at = await quiz_attempts.answer(
            db=db, quiz=quiz, attempt=attempt, question_id=question_id, given=given
        )
    except AppError as exc:
        if exc.code is ErrorCode.attempt_expired:  # graded by the clock just now
            closed = await quizzes_repo.get_attempt(db=db, attempt_id=attempt.id)
            if closed is not None:
                await _after_submit(db, quiz, closed)
        raise
    note = None
    if quiz.settings.reveal is Reveal.after_each:
        note = views.feedback(question, grading.points(question, given), reveal=True)
    return AnswerSaved(question_id=question_id, saved_at=saved_at, feedback=note)


async def submit(*, db: Database, user: User, attempt_id: str) -> AttemptView:
    """Grades and closes the attempt; submitting it again returns the same result."""
    quiz, attempt = await _own_attempt(db, user, attempt_id)
    closed, result = await quiz_attempts.submit(db=db, quiz=quiz, attempt=attempt)
    if result is not None:
        await _after_submit(db, quiz, closed)
    return views.attempt_view(quiz, closed, await _result(db, user, quiz))


async def _after_submit(db: Database, quiz: Quiz, attempt: Attempt) -> None:
    """A passed quiz lesson completes the lesson (idempotent: completion is sticky)."""
    if attempt.passed and quiz.kind is QuizKind.lesson:
        await progress.record(
            db=db,
            user_id=attempt.user_id,
            course_id=quiz.course_id,
            lesson_id=quiz.lesson_id,
            position=0.0,
            video_duration=None,
            completed=True,
            video=False,
        )
