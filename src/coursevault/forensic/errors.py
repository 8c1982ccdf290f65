"""Forensic watermark errors the client can switch on."""

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import Text, msg


def not_watermarked() -> AppError:
    return AppError(
        409,
        ErrorCode.video_not_watermarked,
        msg(
            "This video has no forensic variants: only sessions of a watermarked course can be "
            "traced."
        ),
    )


_UNDECODABLE = msg("The file is not a video this server can decode.")


def unreadable_copy(reason: Text = _UNDECODABLE) -> AppError:
    return AppError(422, ErrorCode.unreadable_copy, reason)


def protected_copy_pending(progress: float, retry_after: int) -> AppError:
    """A watermarked course's video whose variants are still being made (F7, `wait`)."""
    return AppError(
        409,
        ErrorCode.protected_copy_pending,
        msg(
            "Your protected copy of this video is being prepared; playback starts when it is ready."
        ),
        detail={"progress": progress, "retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def protected_copy_unavailable() -> AppError:
    """A watermarked course's video whose variants are not being made (the last attempt
    failed): waiting would never end (F7)."""
    return AppError(
        409,
        ErrorCode.protected_copy_unavailable,
        msg(
            "The protected copy of this video could not be prepared. Ask the course's instructor "
            "to save the course's watermark setting again."
        ),
    )
