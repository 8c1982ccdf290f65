"""Starting to watch a video lesson, in two database round trips (#27).

A launch puts thousands of starts on the one database in half a minute, and a start
waiting on ten reads and writes in turn is what made learners wait (docs/performance.md).
So a start asks everything it reads at once (the sign-in, the course, the viewer's
grants, the resume point, the video, the play counter), then writes everything at once:
the start's count (K9), the first stream slot (K4) and the session. When a write does not
go through (the slot is held, the start rate is spent) what the others wrote is taken
back and the start goes on the long way (`service.start`) or is refused, as before. A
course with a forensic mark or a play limit adds its own writes (the mark's number, the
counted play), and a course this process has not seen lately (its grants are read once
the course says which they are) one read.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from coursevault import clock
from coursevault.auth import errors as auth_errors
from coursevault.auth import service as auth
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.courses import access as lessons
from coursevault.courses import repo as courses_repo
from coursevault.courses import service as courses
from coursevault.courses.models import KeyProtection, LessonKind, PlaybackPolicy, UnmarkedStart
from coursevault.courses.outline import find_lesson
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.errors import AppError
from coursevault.forensic import service as forensic
from coursevault.media import service as media
from coursevault.media.models import Video
from coursevault.progress import service as progress
from coursevault.streaming import errors, limits, service
from coursevault.streaming import repo as sessions_repo
from coursevault.streaming.models import PlaybackStart, PlayCounter

log = logging.getLogger("coursevault.playback")


async def _none() -> None:
    return None


def _maybe[T](wanted: bool, read: Callable[[], Awaitable[T]]) -> Awaitable[T | None]:
    return read() if wanted else _none()


def _video_id(course: Document | None, lesson_id: str) -> str | None:
    """The video LESSON_ID plays in COURSE (a copy that may be old: checked after)."""
    if course is None:
        return None
    try:
        _, lesson = find_lesson(course["sections"], lesson_id)
    except AppError:  # an old copy may lack the lesson: nothing read ahead
        return None
    video_id = lesson.get("video_id")
    return video_id if isinstance(video_id, str) else None


async def start_lesson(
    *,
    db: Database,
    settings: Settings,
    sign_in: auth.SignIn,
    lesson_id: str,
    device: str,
    ip: str,
) -> PlaybackStart:
    """Starts watching a video lesson: access, the account's start rate (K9), then a stream
    slot, then one counted play. 401 when the sign-in no longer holds, 403 not_enrolled /
    play_limit, 409 stream_limit / video_not_ready, 429 past the start rate."""
    max_age = settings.access_cache_seconds
    user_id = sign_in.user_id
    ahead = courses_repo.known_course_of_lesson(lesson_id)
    ahead_id: str | None = ahead["_id"] if ahead else None
    video_ahead = _video_id(ahead, lesson_id)
    limit_ahead = limits.max_plays(settings, ahead) if ahead else None
    signed, course, standings, position, video, plays = await asyncio.gather(
        auth.live_session(db=db, sign_in=sign_in),
        courses_repo.course_of_lesson(db=db, lesson_id=lesson_id, max_age=max_age),
        _maybe(
            ahead_id is not None,
            lambda: enrollments.standings(db=db, user_id=user_id, course_id=ahead_id or ""),
        ),
        progress.resume_position(db=db, user_id=user_id, lesson_id=lesson_id),
        _maybe(
            video_ahead is not None,
            lambda: media.get_video(db=db, video_id=video_ahead or "", max_age=max_age),
        ),
        _maybe(
            limit_ahead is not None,
            lambda: sessions_repo.plays(db=db, user_id=user_id, lesson_id=lesson_id),
        ),
    )
    if signed is None:
        raise auth_errors.invalid_token()
    user = signed.user
    if course is None or course["_id"] != ahead_id:
        standings = None  # read for another course (or none): asked below if needed
    ref = await lessons.lesson_ref(
        db=db, lesson_id=lesson_id, viewer=user, course=course, standings=standings
    )
    access = await lessons.lesson_access(db=db, user=user, ref=ref, standings=standings)
    if ref.lesson["kind"] != LessonKind.video or not ref.lesson.get("video_id"):
        raise errors.not_a_video_lesson()
    if video is None or video.id != ref.lesson["video_id"]:
        video = await media.get_video(db=db, video_id=ref.lesson["video_id"], max_age=max_age)
    video = media.require_playable(video)
    policy = PlaybackPolicy(**ref.course["policy"])
    if policy.forensic_watermark and policy.unmarked_start is UnmarkedStart.wait:
        # Before the start is counted (K9), so a player waiting for the variants may ask
        # again every few seconds (F7).
        forensic.require_variants(video)
    limit = limits.max_plays(settings, ref.course) if access is not lessons.Access.staff else None
    if limit is not None:
        if limit != limit_ahead:
            plays = await sessions_repo.plays(db=db, user_id=user.id, lesson_id=lesson_id)
        if not _plays_left(plays, limit):
            log.info(
                "playback refused (play limit) user=%s lesson=%s ip=%s", user.id, lesson_id, ip
            )
            raise errors.play_limit(limit)
    context = service.LessonContext(
        course_id=ref.course_id,
        lesson_id=lesson_id,
        access=access,
        video_duration=ref.video_duration,
        completion_share=courses.completion_of(ref.course).video_share / 100,
        checkpoints=service.checkpoints_of(ref, access, policy),
        resume_position=position,
        forensic=policy.forensic_watermark,
    )
    started = await _open(
        db=db,
        settings=settings,
        user=user,
        video=video,
        course=ref.course,
        device=device,
        ip=ip,
        lesson=context,
        key_protection=policy.key_protection,
    )
    if limit is not None and not await limits.count_play(db=db, user=user, ref=ref, limit=limit):
        await service.end(db=db, session_id=started.session_id, reason="play_limit", ip=ip)
        raise errors.play_limit(limit)
    return started.model_copy(update={"resume_position": position})


def _plays_left(plays: PlayCounter | None, limit: int) -> bool:
    return plays is None or plays.count < limit + plays.extra


async def _open(
    *,
    db: Database,
    settings: Settings,
    user: User,
    video: Video,
    course: Document,
    device: str,
    ip: str,
    lesson: service.LessonContext,
    key_protection: KeyProtection,
) -> PlaybackStart:
    """The start's writes: its count (K9), the first stream slot and the session at once;
    the long way (`service.start`: the next slots, the oldest stream evicted, the mark's
    number first) when the slot is held or the course marks its streams."""
    stream_policy = limits.stream_policy(settings, course)
    if lesson.forensic:
        limits.refuse_start(
            await limits.start_wait(db=db, settings=settings, user_id=user.id), user.id, ip
        )
        return await service.start(
            db=db,
            settings=settings,
            user=user,
            video_id=video.id,
            policy=stream_policy,
            device=device,
            ip=ip,
            lesson=lesson,
            key_protection=key_protection,
        )
    now = clock.now()
    session = service.new_session(
        settings,
        user=user,
        video=video,
        session_id=secrets.token_urlsafe(12),
        slot=0,
        device=device,
        ip=ip,
        now=now,
        lesson=lesson,
        key_protection=key_protection,
    )
    wait, held, stored = await asyncio.gather(
        limits.start_wait(db=db, settings=settings, user_id=user.id),
        sessions_repo.claim_slot(
            db=db,
            user_id=user.id,
            slot=0,
            session_id=session.id,
            until=now + timedelta(seconds=settings.playback_lease_seconds),
            free_if=None,
        ),
        sessions_repo.insert_session(db=db, session=session),
        return_exceptions=True,
    )
    slot_won = isinstance(held, dict) and held.get("session_id") == session.id
    failed = next((e for e in (wait, held, stored) if isinstance(e, BaseException)), None)
    if slot_won and failed is None and wait is None:
        return service.opened(settings, user=user, video=video, session=session, now=now)
    # Take back what went through: the session never played, and the slot is free again.
    if not isinstance(stored, BaseException):
        await sessions_repo.discard_session(db=db, session_id=session.id)
    if slot_won:
        await sessions_repo.release_slot(db=db, user_id=user.id, slot=0, session_id=session.id)
    if failed is not None:
        raise failed
    limits.refuse_start(wait if isinstance(wait, timedelta) else None, user.id, ip)
    return await service.start(
        db=db,
        settings=settings,
        user=user,
        video_id=video.id,
        policy=stream_policy,
        device=device,
        ip=ip,
        lesson=lesson,
        key_protection=key_protection,
    )
