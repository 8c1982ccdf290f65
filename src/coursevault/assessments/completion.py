"""What completes a course (Q4): the lessons its rule counts (a video by the share watched
that the rule sets, a text lesson when marked done, a quiz lesson once passed), the
quizzes it requires, and an optional "passed the course" rule over the quiz scores."""

from __future__ import annotations

from pydantic import BaseModel

from coursevault.courses import service as courses
from coursevault.courses.models import PassRule
from coursevault.courses.outline import lessons_of, quiz_ids
from coursevault.database.db import Database, Document
from coursevault.progress import service as progress
from coursevault.quizzes import repo as quizzes_repo


def _scored(course: Document) -> set[str]:
    """The quizzes the score and the pass rule are about: the quiz lessons the rule counts
    and the quizzes it requires (checkpoints only when required)."""
    counted = set(courses.counted_lessons(course))
    lessons = {
        lesson["quiz_id"]
        for lesson in lessons_of(course)
        if lesson.get("quiz_id") and lesson["id"] in counted
    }
    required = set(courses.completion_of(course).required_quizzes or []) & quiz_ids(course)
    return lessons | required


class CourseStanding(BaseModel):
    """How far a student is from the course's completion rule."""

    lessons_done: int
    lessons_total: int
    quizzes_missing: list[str]  # required quizzes not passed yet
    score: float | None  # the average best score over the counted and required quizzes
    passed: bool  # the pass rule holds (always, for pass_rule none)
    complete: bool
    show_score: bool


async def standing(*, db: Database, user_id: str, course: Document) -> CourseStanding:
    rule = courses.completion_of(course)
    done = await progress.course_progress(
        db=db, user_id=user_id, course_id=course["_id"], lesson_ids=courses.counted_lessons(course)
    )
    quizzes = sorted(_scored(course))
    results = {
        r.quiz_id: r
        for r in await quizzes_repo.results_of_user(db=db, user_id=user_id, course_id=course["_id"])
    }
    passed = {quiz_id for quiz_id, r in results.items() if r.passed and quiz_id in quizzes}
    missing = [q for q in rule.required_quizzes or [] if q not in passed]
    scores = [(results[q].best_percent or 0.0) if q in results else 0.0 for q in quizzes]
    score = round(sum(scores) / len(scores), 1) if scores else None
    if rule.pass_rule is PassRule.average:
        ok = score is not None and score >= rule.pass_mark
    elif rule.pass_rule is PassRule.every:
        ok = len(passed) == len(quizzes)
    else:
        ok = True
    return CourseStanding(
        lessons_done=done.completed,
        lessons_total=done.total,
        quizzes_missing=missing,
        score=score,
        passed=ok,
        complete=done.total > 0 and done.completed == done.total and not missing and ok,
        show_score=rule.show_score and score is not None,
    )
