"""Caption errors the client can switch on."""

from coursevault.captions.parse import CaptionError
from coursevault.errors import AppError, ErrorCode


def invalid_captions(error: CaptionError) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_captions,
        f"The caption file was not accepted: {error}.",
        detail={"line": error.line, "reason": error.reason, "cue": error.cue},
    )


def captions_too_large(limit: int) -> AppError:
    return AppError(
        413,
        ErrorCode.captions_too_large,
        f"A caption file may hold at most {limit // 1024} KiB.",
        detail={"limit": limit},
    )


def invalid_language(value: str) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_language,
        f"{value[:20]!r} is not a language tag; use one such as en, de, pt-BR or zh-Hant.",
    )


def captions_not_found() -> AppError:
    return AppError(
        404, ErrorCode.captions_not_found, "This video has no captions in that language."
    )


def too_many_tracks(limit: int) -> AppError:
    return AppError(
        409,
        ErrorCode.too_many_caption_tracks,
        f"A video may have captions in at most {limit} languages; delete one first.",
    )
