"""The errors accounts and sessions answer with; codes are stable for the web app."""

from __future__ import annotations

import math

from coursevault.errors import AppError

BEARER = {"WWW-Authenticate": "Bearer"}


def invalid_credentials() -> AppError:
    # W2: unknown email, wrong password and disabled account all answer with this.
    return AppError(401, "invalid_credentials", "Email or password is incorrect.")


def not_authenticated() -> AppError:
    return AppError(401, "not_authenticated", "Sign in to continue.", headers=BEARER)


def invalid_token() -> AppError:
    return AppError(401, "invalid_token", "Your session is invalid or has expired.", headers=BEARER)


def refresh_conflict() -> AppError:
    return AppError(
        401,
        "refresh_conflict",
        "This session was refreshed by another request a moment ago; use the newer tokens.",
    )


def refresh_reused() -> AppError:
    return AppError(
        401,
        "refresh_token_reused",
        "This sign-in was used twice, so it has been ended everywhere. Please sign in again.",
    )


def forbidden(message: str = "You do not have permission to do this.") -> AppError:
    return AppError(403, "forbidden", message)


def csrf_failed(reason: str) -> AppError:
    return AppError(403, "csrf_failed", f"Request refused: {reason}.")


def email_taken() -> AppError:
    return AppError(409, "email_taken", "An account with this email already exists.")


def weak_password(reason: str) -> AppError:
    return AppError(422, "weak_password", reason)


def too_many_attempts(retry_after_seconds: float) -> AppError:
    seconds = max(1, math.ceil(retry_after_seconds))
    return AppError(
        429,
        "too_many_attempts",
        f"Too many failed sign-ins. Try again in {seconds} seconds.",
        detail={"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )
