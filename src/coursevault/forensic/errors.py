"""Forensic watermark errors the client can switch on."""

from coursevault.errors import AppError, ErrorCode


def not_watermarked() -> AppError:
    return AppError(
        409,
        ErrorCode.video_not_watermarked,
        "This video has no forensic variants: only sessions of a watermarked course can be traced.",
    )


def unreadable_copy(reason: str = "The file is not a video this server can decode.") -> AppError:
    return AppError(422, ErrorCode.unreadable_copy, reason)
