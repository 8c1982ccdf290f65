"""The playback limits: a course's concurrent streams and plays per lesson, and the
site's playback starts per account.

Streaming owns these rules (and the `lesson_plays` and start counters);
courses only stores the numbers in its policy.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import NoReturn

from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.courses import access
from coursevault.courses.models import LimitBehavior, PlaybackPolicy
from coursevault.courses.outline import find_lesson
from coursevault.courses.service import on_sale
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.streaming import errors
from coursevault.streaming import repo as streaming_repo
from coursevault.streaming.models import PlayGrantRead, StreamPolicy

security = logging.getLogger("coursevault.security")


def stream_policy(settings: Settings, course: Document) -> StreamPolicy:
    """Returns COURSE's concurrent-stream rule, the site default filling what it leaves out."""
    policy = PlaybackPolicy(**course["policy"])
    return StreamPolicy(
        max_concurrent_streams=policy.max_concurrent_streams or settings.max_concurrent_streams,
        limit_behavior=policy.limit_behavior or LimitBehavior.refuse_new,
    )


def start_rate(settings: Settings) -> streaming_repo.StartRate:
    """The playback starts an account may make: PLAYBACK_START_BURST at once, then
    PLAYBACK_STARTS_PER_HOUR (K9). Every start may collect a burst of keys (K7), so cycling
    start, keys, end would otherwise harvest them many times faster than anyone watches.
    A start's first stream-slot claim counts it (streaming.repo.claim_slot)."""
    return streaming_repo.StartRate(
        interval=timedelta(hours=1) / settings.playback_starts_per_hour,
        burst=settings.playback_start_burst,
    )


def refuse_start(*, user: User, ip: str, wait: timedelta) -> NoReturn:
    """429 with Retry-After for a start past the account's allowance, logged (K9)."""
    security.warning(
        "playback start rate limited user=%s ip=%s retry_after=%.0fs",
        user.id,
        ip,
        wait.total_seconds(),
    )
    raise errors.playback_rate_limited(wait.total_seconds())


def max_plays(settings: Settings, course: Document) -> int | None:
    """Returns how often a student may play each lesson of COURSE (None: no limit)."""
    return PlaybackPolicy(**course["policy"]).max_plays_per_lesson or settings.max_plays_per_lesson


async def plays_left(*, db: Database, user: User, ref: access.LessonRef, limit: int) -> bool:
    """Tells whether USER may start the lesson once more under LIMIT plus granted extras."""
    doc = await streaming_repo.plays(db=db, user_id=user.id, lesson_id=ref.lesson_id)
    return doc is None or doc.count < limit + doc.extra


async def count_play(*, db: Database, user: User, ref: access.LessonRef, limit: int) -> bool:
    """Counts one play (once per playback session); False when none were left."""
    return await streaming_repo.count_play(
        db=db, user_id=user.id, course_id=ref.course_id, lesson_id=ref.lesson_id, limit=limit
    )


async def grant_plays(
    *, db: Database, course: Document, user_id: str, lesson_id: str, extra: int
) -> PlayGrantRead:
    """Gives a student EXTRA more plays of one lesson of COURSE."""
    find_lesson(course["sections"], lesson_id)
    if not await enrollments.is_active(
        db=db, user_id=user_id, course_id=course["_id"], published=on_sale(course)
    ):
        raise errors.student_not_found()
    counter = await streaming_repo.grant_plays(
        db=db, user_id=user_id, course_id=course["_id"], lesson_id=lesson_id, extra=extra
    )
    return PlayGrantRead(
        lesson_id=counter.lesson_id,
        user_id=counter.user_id,
        plays=counter.count,
        extra_plays=counter.extra,
    )
