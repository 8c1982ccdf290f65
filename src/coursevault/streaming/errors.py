"""Playback and delivery errors the player can switch on."""

from __future__ import annotations

import math
from typing import Any

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg


def stream_limit(sessions: list[dict[str, Any]]) -> AppError:
    return AppError(
        409,
        ErrorCode.stream_limit,
        msg(
            "You are already watching on as many devices as this course allows. "
            "End one of them to watch here."
        ),
        detail={"sessions": sessions},
    )


def play_limit(limit: int) -> AppError:
    return AppError(
        403,
        ErrorCode.play_limit,
        msg(
            "You have played this lesson the {limit} times this course allows. "
            "Ask the instructor for more plays.",
            limit=limit,
        ),
        detail={"max_plays_per_lesson": limit},
    )


def session_ended(reason: str | None) -> AppError:
    """REASON is why it ended (evicted, refunded, disputed, ended, play_limit) or None when
    its lease ran out; the player words its message by it."""
    return AppError(
        410,
        ErrorCode.playback_ended,
        msg("This playback session has ended; start again."),
        detail={"reason": reason},
    )


def playback_not_allowed() -> AppError:
    return AppError(
        403, ErrorCode.playback_not_allowed, msg("This playback session is not active.")
    )


def invalid_media_token() -> AppError:
    return AppError(403, ErrorCode.invalid_media_token, msg("This link is invalid or has expired."))


def not_a_video_lesson() -> AppError:
    return AppError(409, ErrorCode.not_a_video_lesson, msg("This lesson has no video."))


def student_not_found() -> AppError:
    return AppError(
        404, ErrorCode.student_not_found, msg("This student is not enrolled in the course.")
    )


def key_rate_limited() -> AppError:
    return AppError(
        429,
        ErrorCode.key_rate_limited,
        msg("Keys were requested faster than playback could use them."),
        headers={"Retry-After": "60"},
    )


def playback_rate_limited(retry_after_seconds: float) -> AppError:
    seconds = max(1, math.ceil(retry_after_seconds))
    return AppError(
        429,
        ErrorCode.playback_rate_limited,
        msg(
            "Playback was started too often in a short time; try again in {seconds} s.",
            seconds=seconds,
        ),
        detail={"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )
