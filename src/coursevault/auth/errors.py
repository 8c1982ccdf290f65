"""The errors accounts and sessions answer with; codes are stable for the web app."""

from __future__ import annotations

import math

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import Text, msg

BEARER = {"WWW-Authenticate": "Bearer"}


def invalid_credentials() -> AppError:
    # W2: unknown email, wrong password and disabled account all answer with this.
    return AppError(401, ErrorCode.invalid_credentials, msg("Email or password is incorrect."))


def not_authenticated() -> AppError:
    return AppError(401, ErrorCode.not_authenticated, msg("Sign in to continue."), headers=BEARER)


def invalid_token() -> AppError:
    return AppError(
        401, ErrorCode.invalid_token, msg("Your session is invalid or has expired."), headers=BEARER
    )


def refresh_conflict() -> AppError:
    return AppError(
        401,
        ErrorCode.refresh_conflict,
        msg("This session was refreshed by another request a moment ago; use the newer tokens."),
    )


def refresh_reused() -> AppError:
    return AppError(
        401,
        ErrorCode.refresh_token_reused,
        msg("This sign-in was used twice, so it has been ended everywhere. Please sign in again."),
    )


_NOT_ALLOWED = msg("You do not have permission to do this.")


def forbidden(message: Text = _NOT_ALLOWED) -> AppError:
    return AppError(403, ErrorCode.forbidden, message)


def csrf_failed(reason: Text) -> AppError:
    return AppError(403, ErrorCode.csrf_failed, msg("Request refused: {reason}.", reason=reason))


def email_taken() -> AppError:
    return AppError(409, ErrorCode.email_taken, msg("An account with this email already exists."))


def weak_password(reason: Text) -> AppError:
    return AppError(422, ErrorCode.weak_password, reason)


def too_many_attempts(retry_after_seconds: float) -> AppError:
    seconds = max(1, math.ceil(retry_after_seconds))
    return AppError(
        429,
        ErrorCode.too_many_attempts,
        msg("Too many failed sign-ins. Try again in {seconds} seconds.", seconds=seconds),
        detail={"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )


def user_not_found() -> AppError:
    return AppError(404, ErrorCode.user_not_found, msg("No such user."))


def cannot_demote_self() -> AppError:
    return AppError(
        409, ErrorCode.cannot_demote_self, msg("Ask another admin to change your own role.")
    )


def invalid_link() -> AppError:
    return AppError(
        400,
        ErrorCode.invalid_link,
        msg("This link is invalid, was already used or has expired. Ask for a new one."),
    )


def already_verified() -> AppError:
    return AppError(
        409, ErrorCode.already_verified, msg("Your email address is already confirmed.")
    )


def mail_disabled() -> AppError:
    return AppError(
        503,
        ErrorCode.mail_disabled,
        msg("This site sends no email; ask an administrator for help."),
    )
