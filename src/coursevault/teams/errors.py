"""Team seat errors."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg


def team_not_found() -> AppError:
    return AppError(404, ErrorCode.team_not_found, msg("No such team."))


def seat_not_found() -> AppError:
    return AppError(404, ErrorCode.seat_not_found, msg("No such seat: check the link."))


def no_free_seat(seats: int, used: int) -> AppError:
    return AppError(
        409,
        ErrorCode.no_free_seat,
        msg("Every seat is taken: release one or buy more."),
        detail={"seats": seats, "assigned": used},
    )


def seat_already_assigned() -> AppError:
    return AppError(409, ErrorCode.seat_already_assigned, msg("This address already has a seat."))


def seat_email_mismatch() -> AppError:
    return AppError(
        403,
        ErrorCode.seat_email_mismatch,
        msg("This seat is for another address: sign in with the address the link was sent to."),
    )


def seat_already_claimed() -> AppError:
    return AppError(409, ErrorCode.seat_already_claimed, msg("Another account claimed this seat."))


def seat_released() -> AppError:
    return AppError(
        410, ErrorCode.seat_released, msg("This seat was released or given to someone else.")
    )


def seat_changed() -> AppError:
    return AppError(
        409,
        ErrorCode.conflict,
        msg("The seat changed while it was being moved; reload and try again."),
    )
