"""The errors certificates answer with."""

from __future__ import annotations

from coursevault.assessments.completion import CourseStanding
from coursevault.errors import AppError, ErrorCode


def course_not_completed(done: CourseStanding) -> AppError:
    if done.lessons_done < done.lessons_total or not done.lessons_total:
        why = f"Complete every lesson first: {done.lessons_done} of {done.lessons_total} done."
    elif done.quizzes_missing:
        why = f"Pass the course's required quizzes first: {len(done.quizzes_missing)} to go."
    else:
        why = "Your quiz scores do not pass this course yet."
    return AppError(
        409,
        ErrorCode.course_not_completed,
        why,
        detail={
            "completed": done.lessons_done,
            "total": done.lessons_total,
            "quizzes_missing": done.quizzes_missing,
            "score": done.score,
            "passed": done.passed,
        },
    )


def certificate_not_found() -> AppError:
    return AppError(404, ErrorCode.certificate_not_found, "No such certificate.")
