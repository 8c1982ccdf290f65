"""Bundle errors."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg


def bundle_not_found() -> AppError:
    return AppError(404, ErrorCode.bundle_not_found, msg("No such bundle."))


def invalid_bundle(reasons: list[str]) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_bundle,
        msg("These courses cannot be sold as one bundle."),
        detail={"reasons": reasons},
    )


def already_enrolled() -> AppError:
    return AppError(409, ErrorCode.already_enrolled, msg("You already have every course of it."))
