"""Course errors the client can switch on."""

from coursevault.errors import AppError


def course_not_found() -> AppError:
    return AppError(404, "course_not_found", "No such course.")


def lesson_not_found() -> AppError:
    return AppError(404, "lesson_not_found", "No such lesson.")


def section_not_found() -> AppError:
    return AppError(404, "section_not_found", "No such section in this course.")


def not_course_owner() -> AppError:
    return AppError(403, "not_course_owner", "Only this course's instructor can change it.")


def not_enrolled() -> AppError:
    return AppError(403, "not_enrolled", "Enroll in this course to watch this lesson.")


def play_limit(limit: int) -> AppError:
    return AppError(
        403,
        "play_limit",
        f"You have played this lesson the {limit} times this course allows. "
        "Ask the instructor for more plays.",
        detail={"max_plays_per_lesson": limit},
    )


def cannot_publish(reasons: list[str]) -> AppError:
    return AppError(
        409, "cannot_publish", "This course is not ready to publish: " + "; ".join(reasons),
        detail={"reasons": reasons},
    )  # fmt: skip
