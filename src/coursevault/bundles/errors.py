"""Bundle errors."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode


def bundle_not_found() -> AppError:
    return AppError(404, ErrorCode.bundle_not_found, "No such bundle.")


def invalid_bundle(reasons: list[str]) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_bundle,
        "These courses cannot be sold as one bundle.",
        detail={"reasons": reasons},
    )


def already_enrolled() -> AppError:
    return AppError(409, ErrorCode.already_enrolled, "You already have every course of it.")
