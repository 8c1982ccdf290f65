"""The errors progress answers with."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg


def completion_needs_watching() -> AppError:
    """A learner asked to mark a video lesson done (L1): only watching completes it."""
    return AppError(
        409,
        ErrorCode.completion_needs_watching,
        msg("A video lesson is completed by watching it; it cannot be marked as done."),
    )
