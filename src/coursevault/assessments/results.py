"""A quiz's results for its instructor: per question the share answered right and the most
common wrong answer; per student the attempts and scores; the same as CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from coursevault.assessments import service
from coursevault.auth import service as auth
from coursevault.database.db import Database
from coursevault.quizzes import grading
from coursevault.quizzes import repo as quizzes_repo
from coursevault.quizzes.models import AnswerIn, Attempt, Question, QuestionType, Quiz
from coursevault.text import one_line


class QuestionStats(BaseModel):
    question_id: str
    stem: str
    answered: int
    right_share: float | None  # of the submitted attempts that answered it
    common_wrong: str | None = None  # the most given wrong answer, as the student saw it
    common_wrong_count: int = 0


class StudentAttempt(BaseModel):
    number: int
    submitted_at: datetime | None
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None


class StudentResult(BaseModel):
    user_id: str
    name: str
    email: str
    best_percent: float | None
    passed: bool
    attempts: list[StudentAttempt]


class QuizResults(BaseModel):
    quiz_id: str
    title: str
    questions: list[QuestionStats]
    students: list[StudentResult]


def _shown(question: Question, answer: AnswerIn) -> str:
    """ANSWER as words: option texts, true/false, the number or the typed text."""
    if question.type is QuestionType.true_false:
        return "true" if answer.truth else "false"
    if question.type is QuestionType.numeric:
        return f"{answer.number:g}" if answer.number is not None else ""
    if question.type is QuestionType.short_text:
        return grading.fold(answer.text or "")
    text = {str(o.id): o.text for o in question.options}
    return " | ".join(text.get(choice, "?") for choice in answer.choices)


def _question_stats(question: Question, attempts: list[Attempt]) -> QuestionStats:
    answered = [a for a in attempts if question.id in a.answers]
    right = [a for a in answered if grading.is_correct(question, a.points.get(question.id, 0.0))]
    wrong = Counter(
        _shown(question, a.answers[question.id])
        for a in answered
        if not grading.is_correct(question, a.points.get(question.id, 0.0))
    )
    common = wrong.most_common(1)
    return QuestionStats(
        question_id=question.id,
        stem=one_line(question.stem)[:200],
        answered=len(answered),
        right_share=round(len(right) / len(answered), 4) if answered else None,
        common_wrong=common[0][0] if common else None,
        common_wrong_count=common[0][1] if common else 0,
    )


async def of_quiz(*, db: Database, quiz: Quiz) -> QuizResults:
    await service.settle_overdue(db=db, quiz=quiz)
    attempts = await quizzes_repo.attempts_of_quiz(db=db, quiz_id=quiz.id)
    standing = {r.user_id: r for r in await quizzes_repo.results_of_quiz(db=db, quiz_id=quiz.id)}
    users = await auth.get_users(db=db, user_ids=sorted(standing))
    students = []
    for user_id, result in sorted(standing.items()):
        user = users.get(user_id)
        mine = sorted((a for a in attempts if a.user_id == user_id), key=lambda a: a.number)
        students.append(
            StudentResult(
                user_id=user_id,
                name=user.name if user else "",
                email=user.email if user else "",
                best_percent=result.best_percent,
                passed=result.passed,
                attempts=[StudentAttempt.model_validate(a, from_attributes=True) for a in mine],
            )
        )
    return QuizResults(
        quiz_id=quiz.id,
        title=quiz.title,
        questions=[_question_stats(q, attempts) for q in quiz.questions],
        students=students,
    )


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(results: QuizResults) -> str:
    """One row per submitted attempt."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "attempt", "submitted_at", "score", "max_score", "percent"])
    for student in results.students:
        for attempt in student.attempts:
            row = [student.name, student.email, attempt.number, attempt.submitted_at]
            row += [attempt.score, attempt.max_score, attempt.percent]
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()
