"""Caption errors the client can switch on."""

from coursevault.captions.parse import CaptionError
from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import Msg, msg


def _refusal(error: CaptionError) -> Msg:
    reason = error.text
    if error.line is not None:
        return msg(
            "The caption file was not accepted: line {line}: {reason}.",
            line=error.line,
            reason=reason,
        )
    if error.cue is not None:
        return msg(
            "The caption file was not accepted: cue {cue}: {reason}.",
            cue=error.cue + 1,
            reason=reason,
        )
    return msg("The caption file was not accepted: {reason}.", reason=reason)


def invalid_captions(error: CaptionError) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_captions,
        _refusal(error),
        detail={"line": error.line, "reason": error.reason, "cue": error.cue},
    )


def captions_too_large(limit: int) -> AppError:
    return AppError(
        413,
        ErrorCode.captions_too_large,
        msg("A caption file may hold at most {kib} KiB.", kib=limit // 1024),
        detail={"limit": limit},
    )


def invalid_language(value: str) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_language,
        msg(
            "{value!r} is not a language tag; use one such as en, de, pt-BR or zh-Hant.",
            value=value[:20],
        ),
    )


def captions_not_found() -> AppError:
    return AppError(
        404, ErrorCode.captions_not_found, msg("This video has no captions in that language.")
    )


def too_many_tracks(limit: int) -> AppError:
    return AppError(
        409,
        ErrorCode.too_many_caption_tracks,
        msg(
            "A video may have captions in at most {limit} languages; delete one first.", limit=limit
        ),
    )
