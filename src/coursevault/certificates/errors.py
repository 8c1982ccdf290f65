"""The errors certificates answer with."""

from __future__ import annotations

from coursevault.assessments.completion import CourseStanding
from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg


def course_not_completed(done: CourseStanding) -> AppError:
    if done.lessons_done < done.lessons_total or not done.lessons_total:
        why = msg(
            "Complete every lesson first: {done} of {total} done.",
            done=done.lessons_done,
            total=done.lessons_total,
        )
    elif done.quizzes_missing:
        why = msg(
            "Pass the course's required quizzes first: {missing} to go.",
            missing=len(done.quizzes_missing),
        )
    else:
        why = msg("Your quiz scores do not pass this course yet.")
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
    return AppError(404, ErrorCode.certificate_not_found, msg("No such certificate."))
