"""What a student sees of a quiz and an attempt. Every student-facing answer is built here,
from models that have no field for an answer key: a right answer or explanation only
leaves in a `RevealedAnswer`, and only when the quiz's reveal policy allows (Q1)."""

from __future__ import annotations

from coursevault.markdown import render as render_markdown
from coursevault.quizzes import attempts as quiz_attempts
from coursevault.quizzes import grading
from coursevault.quizzes.models import (
    Attempt,
    AttemptState,
    AttemptSummary,
    AttemptView,
    Feedback,
    OptionView,
    Question,
    QuestionType,
    QuestionView,
    Quiz,
    QuizResult,
    QuizView,
    Reveal,
    RevealedAnswer,
)


def question_view(question: Question, option_order: list[str] | None) -> QuestionView:
    text = {str(o.id): o.text for o in question.options}
    drawn = [o for o in (option_order or []) if o in text]
    order = drawn + [o for o in text if o not in drawn]  # options added since the draw
    return QuestionView(
        id=question.id,
        type=question.type,
        stem_html=render_markdown(question.stem),
        points=question.points,
        options=[OptionView(id=o, text=text[o]) for o in order],
    )


def revealed(question: Question) -> RevealedAnswer:
    numeric = question.type is QuestionType.numeric
    return RevealedAnswer(
        question_id=question.id,
        correct=[str(o.id) for o in question.options]
        if question.type is QuestionType.ordering
        else question.correct,
        truth=question.truth,
        value=question.value if numeric else None,
        tolerance=question.tolerance if numeric else None,
        accepted=question.accepted,
        explanation_html=render_markdown(question.explanation) if question.explanation else "",
    )


def feedback(question: Question, earned: float, *, reveal: bool) -> Feedback:
    return Feedback(
        question_id=question.id,
        points=earned,
        max_points=question.points,
        correct=grading.is_correct(question, earned),
        answer=revealed(question) if reveal else None,
    )


def attempt_view(quiz: Quiz, attempt: Attempt, result: QuizResult | None) -> AttemptView:
    """ATTEMPT for its student: per-question feedback only where the policy shows answers
    (a right/wrong mark alone would tell a true/false answer)."""
    by_id = {q.id: q for q in quiz.questions}
    asked = [by_id[q] for q in attempt.question_order if q in by_id]
    submitted = attempt.state is AttemptState.submitted
    # after_each shows the answers of the questions answered, and no others (Q1).
    each = quiz.settings.reveal is Reveal.after_each
    show = quiz_attempts.reveals(quiz, result, open_attempt=not submitted)
    notes = []
    for question in asked if show else []:
        answered = question.id in attempt.answers
        if answered or (submitted and not each):
            earned = attempt.points.get(question.id)
            if earned is None:
                earned = grading.points(question, attempt.answers.get(question.id))
            notes.append(feedback(question, earned, reveal=True))
    return AttemptView(
        id=attempt.id,
        quiz_id=attempt.quiz_id,
        number=attempt.number,
        state=attempt.state,
        started_at=attempt.started_at,
        deadline=attempt.deadline,
        questions=[question_view(q, attempt.option_order.get(q.id)) for q in asked],
        answers={q: a for q, a in attempt.answers.items() if q in by_id},
        submitted_at=attempt.submitted_at,
        expired=attempt.expired,
        score=attempt.score,
        max_score=attempt.max_score,
        percent=attempt.percent,
        passed=attempt.passed,
        feedback=notes,
    )


def quiz_view(quiz: Quiz, attempts: list[Attempt], result: QuizResult | None) -> QuizView:
    open_attempt = next((a.id for a in attempts if a.state is AttemptState.open), None)
    return QuizView(
        id=quiz.id,
        lesson_id=quiz.lesson_id,
        kind=quiz.kind,
        at=quiz.at,
        title=quiz.title,
        pass_mark=quiz.settings.pass_mark,
        attempts_allowed=quiz.settings.attempts,
        attempts_used=len(attempts),
        time_limit=quiz.settings.time_limit,
        reveal=quiz.settings.reveal,
        question_count=len(quiz.questions),
        max_score=sum(q.points for q in quiz.questions),
        passed=bool(result and result.passed),
        best_percent=result.best_percent if result else None,
        open_attempt=open_attempt,
        attempts=[
            AttemptSummary(
                id=a.id,
                number=a.number,
                state=a.state,
                started_at=a.started_at,
                submitted_at=a.submitted_at,
                percent=a.percent,
                passed=a.passed,
            )
            for a in attempts
        ],
    )
