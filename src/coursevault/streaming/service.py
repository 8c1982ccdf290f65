"""Playback sessions (K1, K4, P5): a lease per stream, concurrent-stream slots, gated keys."""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.courses import access as lessons
from coursevault.courses import service as courses
from coursevault.courses.models import (
    CheckpointRef,
    KeyProtection,
    LessonKind,
    LimitBehavior,
    PlaybackPolicy,
    UnmarkedStart,
)
from coursevault.database.db import Database
from coursevault.engagement import service as engagement
from coursevault.ffmpeg.storyboard import TRACK
from coursevault.forensic import service as forensic
from coursevault.http import urls
from coursevault.media import service as media
from coursevault.media.models import Video
from coursevault.progress import service as progress
from coursevault.progress.models import Played
from coursevault.streaming import errors, limits, signing
from coursevault.streaming import repo as sessions_repo
from coursevault.streaming.models import (
    PlaybackSession,
    PlaybackSessionRead,
    PlaybackStart,
    StreamPolicy,
)

log = logging.getLogger("coursevault.playback")


def to_read(session: PlaybackSession) -> PlaybackSessionRead:
    """Returns the public view of a stored playback session."""
    return PlaybackSessionRead.model_validate(session, from_attributes=True)


@dataclass(frozen=True)
class LessonContext:
    """Where a session plays and why it was allowed; the key endpoint re-checks `access`."""

    course_id: str
    lesson_id: str
    access: lessons.Access
    video_duration: float | None  # for the completion rule, without a course read
    completion_share: float = 0.9  # the course's completion rule (Q4)
    # The lesson's checkpoints this session must pass (none for an exempt viewer, Q3).
    checkpoints: tuple[dict[str, Any], ...] = ()
    resume_position: float = 0.0  # where the viewer left off (the session starts there)
    forensic: bool = False  # the course's policy asks for a forensic mark per session


async def start(
    *,
    db: Database,
    settings: Settings,
    user: User,
    video_id: str,
    policy: StreamPolicy,
    device: str,
    ip: str,
    lesson: LessonContext | None = None,
    key_protection: KeyProtection = KeyProtection.session,
) -> PlaybackStart:
    """Starts a playback session within the user's concurrent-stream limit (K4), counting
    it against the account's start allowance by its first slot claim (K9: 429 past it,
    nothing claimed).

    At the limit, `refuse_new` answers 409 with the live sessions; `evict_oldest` ends the
    oldest one, which loses key access at once. Racing starts for the last free slot
    produce exactly one winner (each claim is one conditional update of the slot).
    """
    video = await media.playable_video(
        db=db, video_id=video_id, max_age=settings.access_cache_seconds
    )
    now = clock.now()
    session_id = secrets.token_urlsafe(12)
    rate: sessions_repo.StartRate | None = limits.start_rate(settings)
    for evicted_once in (False, True):
        for slot in range(policy.max_concurrent_streams):
            claimed = await _claim(
                db=db, user=user, slot=slot, session_id=session_id, ip=ip, now=now,
                lease=settings.playback_lease_seconds, counting=rate,
            )  # fmt: skip
            rate = None  # the start is counted once, by its first claim (of slot 0)
            if claimed:
                return await _open(
                    db=db,
                    settings=settings,
                    user=user,
                    video=video,
                    session_id=session_id,
                    slot=slot,
                    device=device,
                    ip=ip,
                    now=now,
                    lesson=lesson,
                    key_protection=key_protection,
                )
        live = await sessions_repo.live_sessions(db=db, user_id=user.id, now=now)
        if policy.limit_behavior is LimitBehavior.evict_oldest and not evicted_once and live:
            await end(db=db, session_id=live[0].id, reason="evicted", ip=ip)
            continue
        log.info("playback refused (stream limit) user=%s ip=%s", user.id, ip)
        raise errors.stream_limit([to_read(d).model_dump(mode="json") for d in live])
    raise AssertionError("unreachable")


async def _claim(
    *,
    db: Database,
    user: User,
    slot: int,
    session_id: str,
    ip: str,
    now: datetime,
    lease: float,
    counting: sessions_repo.StartRate | None,
) -> bool:
    """Claims stream slot SLOT for SESSION_ID: free, or held by a session that stopped (its
    lease ran out without heartbeats, or it ended without giving the slot back). COUNTING:
    the start is counted by this claim (K9), refused when the account has none left."""
    until = now + timedelta(seconds=lease)
    held = await sessions_repo.claim_slot(
        db=db, user_id=user.id, slot=slot, session_id=session_id, until=until, free_if=None,
        counting=counting, now=now,
    )  # fmt: skip
    if counting is not None and (wait := counting.wait(held, now)) is not None:
        limits.refuse_start(user=user, ip=ip, wait=wait)
    holder = held["session_id"]
    if holder == session_id:
        return True
    session = await sessions_repo.get_session(db=db, session_id=holder)
    if session is None and held["lease_until"] > now:
        return False  # claimed a moment ago; its session is being stored
    if session is not None and session.live_at(now):
        return False
    held = await sessions_repo.claim_slot(
        db=db, user_id=user.id, slot=slot, session_id=session_id, until=until, free_if=holder
    )
    return bool(held["session_id"] == session_id)


def _checkpoints(
    ref: lessons.LessonRef, access: lessons.Access, policy: PlaybackPolicy
) -> tuple[dict[str, Any], ...]:
    """The checkpoints the key endpoint holds this session to, kept with the session so a
    key of a lesson without them reads nothing more (Q3)."""
    if policy.checkpoints_exempt and access in (lessons.Access.staff, lessons.Access.preview):
        return ()
    return tuple(ref.lesson.get("checkpoints") or ())


async def start_lesson(
    *, db: Database, settings: Settings, user: User, lesson_id: str, device: str, ip: str
) -> PlaybackStart:
    """Starts watching a video lesson: access, then a stream slot with the account's start
    rate (K9), then one counted play.

    The play is counted after the slot is taken, so a start refused for the stream limit
    costs no play; a start that loses the race for the last play gives its slot back.
    """
    ref = await lessons.lesson_ref(
        db=db, lesson_id=lesson_id, viewer=user, max_age=settings.access_cache_seconds
    )
    # Side by side: a round trip less per start, and on launch day every round trip
    # waits its turn in a busy app and database (docs/performance.md). A refused start
    # has read a resume point for nothing.
    access, position = await asyncio.gather(
        lessons.lesson_access(db=db, user=user, ref=ref),
        progress.resume_position(db=db, user_id=user.id, lesson_id=lesson_id),
    )
    if ref.lesson["kind"] != LessonKind.video or not ref.lesson.get("video_id"):
        raise errors.not_a_video_lesson()
    policy = PlaybackPolicy(**ref.course["policy"])
    if policy.forensic_watermark and policy.unmarked_start is UnmarkedStart.wait:
        # Before the start is counted (K9), so a player waiting for the variants may ask
        # again every few seconds (F7).
        video = await media.playable_video(
            db=db, video_id=ref.lesson["video_id"], max_age=settings.access_cache_seconds
        )
        forensic.require_variants(video)
    limit = limits.max_plays(settings, ref.course) if access is not lessons.Access.staff else None
    if limit is not None and not await limits.plays_left(db=db, user=user, ref=ref, limit=limit):
        log.info("playback refused (play limit) user=%s lesson=%s ip=%s", user.id, lesson_id, ip)
        raise errors.play_limit(limit)
    started = await start(
        db=db,
        settings=settings,
        user=user,
        video_id=ref.lesson["video_id"],
        policy=limits.stream_policy(settings, ref.course),
        device=device,
        ip=ip,
        lesson=LessonContext(
            course_id=ref.course_id,
            lesson_id=lesson_id,
            access=access,
            video_duration=ref.video_duration,
            completion_share=courses.completion_of(ref.course).video_share / 100,
            checkpoints=_checkpoints(ref, access, policy),
            resume_position=position,
            forensic=policy.forensic_watermark,
        ),
        key_protection=policy.key_protection,
    )
    if limit is not None and not await limits.count_play(db=db, user=user, ref=ref, limit=limit):
        await end(db=db, session_id=started.session_id, reason="play_limit", ip=ip)
        raise errors.play_limit(limit)
    return started.model_copy(update={"resume_position": position})


async def end_for_course(*, db: Database, user_id: str, course_id: str, reason: str) -> int:
    """Ends USER_ID's sessions on COURSE_ID (refund, dispute: P5); returns how many."""
    ended = 0
    for session in await sessions_repo.open_sessions_for_course(
        db=db, user_id=user_id, course_id=course_id
    ):
        ended += await end(db=db, session_id=session.id, reason=reason, ip="-")
    return ended


async def _open(
    *,
    db: Database,
    settings: Settings,
    user: User,
    video: Video,
    session_id: str,
    slot: int,
    device: str,
    ip: str,
    now: datetime,
    lesson: LessonContext | None,
    key_protection: KeyProtection,
) -> PlaybackStart:
    start_at = lesson.resume_position if lesson else 0.0
    number = None
    if lesson and lesson.forensic:
        # Marked, or on record as served unmarked while the video has no variants yet
        # (F7); either way the key server lets it play on (courses.access.still_allowed).
        number = await forensic.issue(
            db=db,
            video=video,
            session_id=session_id,
            user_id=user.id,
            device=device[:200],
            ip=ip,
            started_at=now,
        )
    key_secret = secrets.token_bytes(32) if key_protection is KeyProtection.session else None
    session = PlaybackSession(
        id=session_id,
        user_id=user.id,
        video_id=video.id,
        device=device[:200],
        ip=ip,
        started_at=now,
        last_seen=now,
        lease_until=now + timedelta(seconds=settings.playback_lease_seconds),
        position=start_at,
        ended_at=None,
        end_reason=None,
        course_id=lesson.course_id if lesson else None,
        lesson_id=lesson.lesson_id if lesson else None,
        access=lesson.access.value if lesson else None,
        video_duration=lesson.video_duration if lesson else None,
        completion_share=lesson.completion_share if lesson else 0.9,
        checkpoints=list(lesson.checkpoints) if lesson else [],
        key_protection=key_protection,
        key_secret=key_secret,
        slot=slot,
        trail=[(0.0, start_at)],
        heartbeat_seconds=settings.playback_heartbeat_seconds,
        forensic_number=number,
    )
    await sessions_repo.insert_session(db=db, session=session)
    log.info(
        "playback started session=%s user=%s video=%s ip=%s", session_id, user.id, video.id, ip
    )
    return _started(settings, user=user, video=video, session=session, now=now)


def _started(
    settings: Settings, *, user: User, video: Video, session: PlaybackSession, now: datetime
) -> PlaybackStart:
    """What the player gets for a stored SESSION: its signed playlist and, in session key
    mode, the session's key secret (given this once)."""
    expires = int(now.timestamp()) + settings.playback_token_ttl_seconds
    token = signing.sign(settings, video_id=video.id, session_id=session.id, expires=expires)
    secret = session.key_secret
    return PlaybackStart(
        session_id=session.id,
        playlist_url=urls.hls_master(token, video.id),
        expires_at=datetime.fromtimestamp(expires, UTC),
        heartbeat_interval=settings.playback_heartbeat_seconds,
        watermark=f"{user.email} · {session.id[:6]}",
        key_protection=session.key_protection,
        checkpoints=[CheckpointRef.model_validate(c) for c in session.checkpoints],
        key_secret=base64.b64encode(secret).decode() if secret else None,
        storyboard_url=urls.hls_file(token, video.id, TRACK) if video.storyboard else None,
        # 0 is a session on record as served unmarked (F7): nothing in its picture traces it.
        picture_in_picture=bool(session.forensic_number),
    )


async def heartbeat(
    *, db: Database, settings: Settings, user: User, session_id: str, position: float
) -> datetime:
    """Renews the lease of the user's live session and stores the position.

    Two writes at most (the session, and the lesson's progress when the position moved,
    after reading what it already holds as evidence of watching, L1); the stream slot
    follows its session, and the lesson details were stored with the session at its
    start, so nothing else is read or written per beat.
    """
    until = clock.now() + timedelta(seconds=settings.playback_lease_seconds)
    renewed = await sessions_repo.renew(
        db=db, session_id=session_id, user_id=user.id, until=until, position=position
    )
    if renewed is None:
        gone = await sessions_repo.get_session(db=db, session_id=session_id)
        mine = gone is not None and gone.user_id == user.id
        raise errors.session_ended(gone.end_reason if mine and gone else None)
    session = renewed.session
    if session.course_id and session.lesson_id and position != renewed.previous:  # paused: no write
        await progress.record_watching(
            db=db,
            user_id=user.id,
            course_id=session.course_id,
            lesson_id=session.lesson_id,
            position=position,
            video_duration=session.video_duration,
            played=_played(renewed),
            share=session.completion_share,
        )
    await _count_engagement(db, session, ended=False)
    return until


def _played(renewed: sessions_repo.Renewed) -> Played | None:
    """What a heartbeat shows played since the previous one, no faster than 2× the wall
    clock (L2): the only evidence that completes a video (L1). A full trail (60 hours of
    heartbeats, or a flood of them) earns nothing more."""
    session = renewed.session
    if not renewed.point_added:
        return None
    stretch = engagement.last_played(session.trail, session.heartbeat_seconds)
    if stretch is None:
        return None
    (before, _), (after, _) = session.trail[-2:]
    return Played(
        start=stretch[0],
        end=stretch[1],
        since=session.started_at + timedelta(seconds=before),
        until=session.started_at + timedelta(seconds=after),
    )


async def end(
    *, db: Database, session_id: str, reason: str, ip: str, user: User | None = None
) -> bool:
    """Ends a session (of USER, when given); its key access stops at once. What it watched
    since its last engagement flush is counted."""
    match = {"user_id": user.id} if user is not None else {}
    ended = await sessions_repo.end(db=db, session_id=session_id, reason=reason, **match)
    if ended is not None:
        await _count_engagement(db, ended, ended=True)
    if ended is not None and ended.slot is not None:
        await sessions_repo.release_slot(
            db=db, user_id=ended.user_id, slot=ended.slot, session_id=ended.id
        )
    if ended is not None:
        log.info(
            "playback ended (%s) session=%s user=%s ip=%s", reason, session_id, ended.user_id, ip
        )
    return ended is not None


async def _count_engagement(db: Database, session: PlaybackSession, *, ended: bool) -> None:
    if session.course_id and session.lesson_id:
        await engagement.record(
            db=db,
            lesson_id=session.lesson_id,
            course_id=session.course_id,
            trail=session.trail,
            heartbeat_seconds=session.heartbeat_seconds,
            duration=session.video_duration,
            ended=ended,
        )


@dataclass(frozen=True)
class CourseActivity:
    """When a user last watched a course, and whether they are watching it now."""

    last_seen: datetime
    watching: bool


async def course_activity(
    *, db: Database, since: Mapping[str, datetime], course_id: str
) -> dict[str, CourseActivity]:
    """The activity on COURSE_ID of each user of SINCE who watched it in sessions started
    at or after their time in SINCE (a team's seats: since each was claimed)."""
    if not since:
        return {}
    found = await sessions_repo.course_activity(
        db=db, since=since, course_id=course_id, now=clock.now()
    )
    return {user: CourseActivity(seen, live) for user, (seen, live) in found.items()}


async def list_live(*, db: Database, user: User) -> list[PlaybackSession]:
    return await sessions_repo.live_sessions(db=db, user_id=user.id, now=clock.now())


async def count_live(*, db: Database) -> int:
    """How many playback sessions are live anywhere (for /metrics)."""
    return await sessions_repo.count_live(db=db, now=clock.now())


async def live_viewers(*, db: Database, course_ids: list[str]) -> dict[str, set[str]]:
    """Who is watching each of COURSE_IDS now (a session not ended, its lease running);
    courses nobody watches are left out."""
    return await sessions_repo.live_viewers(db=db, course_ids=course_ids, now=clock.now())
