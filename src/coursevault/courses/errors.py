"""Course errors the client can switch on."""

from datetime import UTC, datetime

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import Msg, msg


def course_not_found() -> AppError:
    return AppError(404, ErrorCode.course_not_found, msg("No such course."))


class LessonNotFound(AppError):
    """Raised where a caller may need to tell a vanished lesson from other refusals."""


def lesson_not_found() -> LessonNotFound:
    return LessonNotFound(404, ErrorCode.lesson_not_found, msg("No such lesson."))


def section_not_found() -> AppError:
    return AppError(404, ErrorCode.section_not_found, msg("No such section in this course."))


_CHANGE_IT = msg("change it")


def not_course_owner(action: Msg = _CHANGE_IT) -> AppError:
    """ACTION says what was refused: a report is read, not changed."""
    return AppError(
        403,
        ErrorCode.not_course_owner,
        msg("Only this course's instructor can {action}.", action=action),
    )


def not_enrolled() -> AppError:
    return AppError(403, ErrorCode.not_enrolled, msg("Enroll in this course to watch this lesson."))


def cannot_publish(reasons: list[Msg]) -> AppError:
    return AppError(
        409,
        ErrorCode.cannot_publish,
        msg("This course is not ready to publish: {reasons}", reasons=reasons),
        detail={"reasons": [str(reason) for reason in reasons]},
    )


def slug_taken() -> AppError:
    return AppError(409, ErrorCode.slug_taken, msg("Could not find a free address for this title."))


def course_published() -> AppError:
    return AppError(
        409, ErrorCode.course_published, msg("Unpublish the course before deleting it.")
    )


def course_has_enrollments() -> AppError:
    return AppError(
        409, ErrorCode.course_has_enrollments, msg("Students are enrolled in this course.")
    )


def edit_conflict() -> AppError:
    return AppError(
        409, ErrorCode.edit_conflict, msg("The course changed while saving; try again.")
    )


def last_lesson() -> AppError:
    return AppError(
        409, ErrorCode.last_lesson, msg("A published course keeps at least one lesson.")
    )


def invalid_video() -> AppError:
    return AppError(
        422, ErrorCode.invalid_video, msg("Choose one of the course instructor's own videos.")
    )


def video_not_ready() -> AppError:
    return AppError(
        409,
        ErrorCode.video_not_ready,
        msg("A published course can only use videos that are ready."),
    )


def video_in_use(courses: list[dict[str, str]]) -> AppError:
    return AppError(
        409,
        ErrorCode.video_in_use,
        msg("Lessons use this video: remove them first."),
        detail={"courses": courses},
    )


def invalid_chapters(reason: Msg) -> AppError:
    return AppError(422, ErrorCode.invalid_chapters, reason)


def lesson_not_released(opens_at: datetime) -> AppError:
    when = opens_at.astimezone(UTC)
    return AppError(
        403,
        ErrorCode.lesson_not_released,
        msg("This lesson opens on {when:%d %B %Y at %H:%M} UTC.", when=when),
        detail={"opens_at": when.isoformat().replace("+00:00", "Z")},
    )


def lesson_after_quiz(quiz_id: str) -> AppError:
    """Drip after_quiz: the lesson opens once the student passed that quiz (Q4)."""
    return AppError(
        403,
        ErrorCode.lesson_not_released,
        msg("This lesson opens once you pass the quiz before it."),
        detail={"after_quiz": quiz_id},
    )


def checkpoint_video_shared() -> AppError:
    """Keys belong to a video: a second lesson playing a video with checkpoints would hand
    out the keys after them (Q3)."""
    return AppError(
        409,
        ErrorCode.checkpoint_video_shared,
        msg(
            "A video with checkpoints plays in one lesson only: another lesson would open what "
            "the checkpoints hold back. Upload it again for the other lesson."
        ),
    )


def invalid_completion(reason: Msg) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_completion,
        msg("Cannot use this completion rule: {reason}.", reason=reason),
    )


def invalid_release(reason: Msg) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_release,
        msg("Cannot use this release rule: {reason}.", reason=reason),
    )


def not_enrolled_student() -> AppError:
    return AppError(404, ErrorCode.student_not_enrolled, msg("This account is not enrolled here."))


def invalid_image(reason: Msg) -> AppError:
    return AppError(422, ErrorCode.invalid_image, reason)


def image_too_large(limit: int) -> AppError:
    return AppError(
        413,
        ErrorCode.image_too_large,
        msg("The image is larger than {mib} MiB.", mib=limit // (1024 * 1024)),
    )
