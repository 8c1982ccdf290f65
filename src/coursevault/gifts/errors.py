"""Gift errors."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg


def gift_not_found() -> AppError:
    return AppError(404, ErrorCode.gift_not_found, msg("No such gift: check the link."))


def gift_already_claimed() -> AppError:
    return AppError(409, ErrorCode.gift_already_claimed, msg("This gift has already been claimed."))


def gift_refunded() -> AppError:
    return AppError(
        410, ErrorCode.gift_refunded, msg("This gift was refunded (or its payment is in dispute).")
    )


def already_enrolled() -> AppError:
    return AppError(
        409,
        ErrorCode.already_enrolled,
        msg("You already have this course; the gift stays unclaimed for someone else."),
    )
