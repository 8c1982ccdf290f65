"""Automatic caption errors the client can switch on."""

from coursevault.errors import AppError, ErrorCode


def transcription_unavailable(reason: str) -> AppError:
    return AppError(
        409,
        ErrorCode.transcription_unavailable,
        f"Automatic captions are not available on this server. {reason}",
        detail={"reason": reason},
    )
