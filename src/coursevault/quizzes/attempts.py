"""A student's attempts at a quiz: started, answered as they go, submitted once, graded on
the server (Q1, Q2). Keyed by ids: who may take the quiz is decided above (assessments).

The order of questions and options is drawn once, when the attempt starts, and stored
with it, so a reload shows the same order. The time limit is the server's: an answer
after the deadline is refused (409 attempt_expired) and the attempt is graded with what
was saved in time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bson import ObjectId

from coursevault import clock
from coursevault.database.db import Database
from coursevault.quizzes import errors, grading
from coursevault.quizzes import repo as quizzes_repo
from coursevault.quizzes.models import (
    AnswerIn,
    Attempt,
    AttemptState,
    Question,
    QuestionType,
    Quiz,
    QuizResult,
    Reveal,
)

_draw = random.SystemRandom()


REDRAWS = 10
SUBMIT_ROUNDS = 5  # answers saved while a submit grades make it grade again


def draw_orders(quiz: Quiz) -> tuple[list[str], dict[str, list[str]]]:
    questions = [q.id for q in quiz.questions]
    if quiz.settings.shuffle_questions:
        _draw.shuffle(questions)
    options: dict[str, list[str]] = {}
    for q in quiz.questions:
        right = [str(o.id) for o in q.options]
        ids = list(right)
        if q.type is QuestionType.ordering:
            # Shown in its right order it would answer itself; with three or more items
            # (models) a drawn order other than the right one tells little.
            for _ in range(REDRAWS):
                _draw.shuffle(ids)
                if ids != right:
                    break
        elif quiz.settings.shuffle_options:
            _draw.shuffle(ids)
        options[q.id] = ids
    return questions, options


async def start(*, db: Database, quiz: Quiz, user_id: str) -> tuple[Attempt, bool]:
    """USER_ID's open attempt at QUIZ, or a new one; the bool tells whether it is new.
    409 no_attempts_left once every attempt allowed was used."""
    for _ in range(3):
        previous = await quizzes_repo.attempts_of(db=db, quiz_id=quiz.id, user_id=user_id)
        current = previous[-1] if previous else None
        if current is not None and current.state is AttemptState.open:
            if not expired(current, clock.now()):
                return current, False
            await submit(db=db, quiz=quiz, attempt=current, by_clock=True)
        allowed = quiz.settings.attempts
        if allowed is not None and len(previous) >= allowed:
            raise errors.no_attempts_left(allowed)
        now = clock.now()
        questions, options = draw_orders(quiz)
        limit = quiz.settings.time_limit
        attempt = Attempt(
            id=str(ObjectId()),
            quiz_id=quiz.id,
            user_id=user_id,
            course_id=quiz.course_id,
            lesson_id=quiz.lesson_id,
            number=len(previous) + 1,
            state=AttemptState.open,
            started_at=now,
            deadline=now + timedelta(seconds=limit) if limit else None,
            question_order=questions,
            option_order=options,
        )
        if await quizzes_repo.insert_attempt(db=db, attempt=attempt):
            return attempt, True
    raise errors.busy()  # three racing starts lost in a row: let the client retry


def expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline


async def close_if_expired(
    *, db: Database, quiz: Quiz, attempt: Attempt
) -> tuple[Attempt, QuizResult | None]:
    """ATTEMPT, graded and closed first if its time ran out while it was open, and the
    student's standing when this call closed it."""
    if attempt.state is AttemptState.open and expired(attempt, clock.now()):
        return await submit(db=db, quiz=quiz, attempt=attempt, by_clock=True)
    return attempt, None


def _question(quiz: Quiz, attempt: Attempt, question_id: str) -> Question:
    if question_id in attempt.question_order:
        for question in quiz.questions:
            if question.id == question_id:
                return question
    raise errors.question_not_found()


async def answer(
    *, db: Database, quiz: Quiz, attempt: Attempt, question_id: str, given: AnswerIn
) -> tuple[Question, datetime]:
    """Saves GIVEN as the attempt's answer to QUESTION_ID (replacing an earlier one, unless
    the reveal policy already showed that question's answer)."""
    if attempt.state is not AttemptState.open:
        raise errors.attempt_closed()
    now = clock.now()
    if expired(attempt, now):
        await submit(db=db, quiz=quiz, attempt=attempt, by_clock=True)
        raise errors.attempt_expired(attempt.id)
    question = _question(quiz, attempt, question_id)
    problem = grading.valid_answer(question, given)
    if problem:
        raise errors.invalid_answer(problem)
    locks = quiz.settings.reveal is Reveal.after_each
    if locks and question_id in attempt.answers:
        raise errors.answer_locked()
    if not await quizzes_repo.save_answer(
        db=db,
        attempt_id=attempt.id,
        question_id=question_id,
        answer=given,
        now=now,
        first_only=locks,
    ):
        # Submitted by another request meanwhile, or (after_each) answered by one.
        raise (
            errors.answer_locked()
            if locks and await _still_open(db, attempt.id)
            else (errors.attempt_closed())
        )
    return question, now


async def _still_open(db: Database, attempt_id: str) -> bool:
    found = await quizzes_repo.get_attempt(db=db, attempt_id=attempt_id)
    return found is not None and found.state is AttemptState.open


def grade(quiz: Quiz, attempt: Attempt) -> tuple[dict[str, float], float, float]:
    """Per question points, the score and the most the attempt's questions could earn."""
    earned: dict[str, float] = {}
    most = 0.0
    for question in quiz.questions:
        if question.id not in attempt.question_order:
            continue  # added after the attempt started: not asked, not counted
        earned[question.id] = grading.points(question, attempt.answers.get(question.id))
        most += question.points
    return earned, round(sum(earned.values()), 4), most


async def submit(
    *, db: Database, quiz: Quiz, attempt: Attempt, by_clock: bool = False
) -> tuple[Attempt, QuizResult | None]:
    """Grades and closes ATTEMPT with exactly the answers saved when it closes (an answer
    racing the submit is either in the grade or refused). A second submit returns it as
    it was graded, with no result (only the call that closed it counts it into the
    student's standing)."""
    for _ in range(SUBMIT_ROUNDS):
        earned, score, most = grade(quiz, attempt)
        share = 100.0 * score / most if most else 0.0
        now = clock.now()
        closed, first = await quizzes_repo.close_attempt(
            db=db,
            attempt_id=attempt.id,
            rev=attempt.rev,
            graded={
                "points": earned,
                "score": score,
                "max_score": most,
                "percent": round(share, 2),
                # Unrounded: 69.995 % does not pass a 70 % mark.
                "passed": most > 0 and share >= quiz.settings.pass_mark,
                "submitted_at": now,
                "expired": by_clock or expired(attempt, now),
            },
        )
        if closed is None:
            raise errors.attempt_not_found()
        if first or closed.state is AttemptState.submitted:
            break
        attempt = closed  # an answer was saved meanwhile: grade again with it
    else:
        raise errors.busy()
    if not first:
        return closed, None
    result = await quizzes_repo.record_result(
        db=db,
        quiz=quiz,
        user_id=attempt.user_id,
        percent=closed.percent or 0.0,
        passed=bool(closed.passed),
    )
    return closed, result


def reveals(quiz: Quiz, result: QuizResult | None, *, open_attempt: bool) -> bool:
    """Whether the student may now see the right answers of their submitted attempts."""
    policy = quiz.settings.reveal
    if policy is Reveal.after_each:
        return True
    if policy is Reveal.after_pass:
        return result is not None and result.passed
    if policy is Reveal.after_last:
        allowed = quiz.settings.attempts
        used = result.attempts_used if result else 0
        return allowed is not None and used >= allowed and not open_attempt
    return False
