"""The errors certificates answer with."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode


def course_not_completed(completed: int, total: int) -> AppError:
    return AppError(
        409,
        ErrorCode.course_not_completed,
        f"Complete every lesson first: {completed} of {total} done.",
        detail={"completed": completed, "total": total},
    )


def certificate_not_found() -> AppError:
    return AppError(404, ErrorCode.certificate_not_found, "No such certificate.")
