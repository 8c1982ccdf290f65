"""The key endpoint: the check that runs during the whole playback, not just at its start.

Every period of a video has its own key (media/keys.py), so a player asks for a key every
`COURSEVAULT_KEY_ROTATION_SEGMENTS` segments. Each request checks, right then, that the
caller owns a live session whose reason to watch still holds (K1), renews the session's
lease like a heartbeat, limits how fast a session may collect keys (K7), and, in session
mode, wraps the key so that only the player that started the session can use it (K6).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coursevault import clock, metrics
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.courses import access as lessons
from coursevault.courses.models import KeyProtection
from coursevault.database.db import Database
from coursevault.errors import not_found
from coursevault.ffmpeg.command import SEGMENT_SECONDS
from coursevault.media import service as media
from coursevault.quizzes import checkpoints as quiz_checkpoints
from coursevault.quizzes import errors as quiz_errors
from coursevault.streaming import errors, signing
from coursevault.streaming import repo as sessions_repo
from coursevault.streaming.models import PlaybackSession

log = logging.getLogger("coursevault.playback")
security = logging.getLogger("coursevault.security")


def wrap_for_session(key: bytes, secret: bytes, video_id: str, period: int) -> bytes:
    """The session-mode answer: KEY xor HMAC-SHA256(secret, "<video>|<period>")[:16]."""
    pad = hmac.new(secret, f"{video_id}|{period}".encode(), hashlib.sha256).digest()[:16]
    return bytes(a ^ b for a, b in zip(key, pad, strict=True))


@dataclass
class _Bucket:
    tokens: float
    seen: float = field(default_factory=time.monotonic)


class KeyRate:
    """A token bucket per playback session: a burst of keys at once, refilled at the rate
    of KEY_RATE_SPEED× real-time playback (one key per period). It lives in this process;
    with several app processes a session behind a round-robin balancer gets at most that
    many times the rate."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}

    @staticmethod
    def burst(*, rotation: int, settings: Settings) -> int:
        """KEY_RATE_BURST keys, or the keys of BURST_VIDEO_SECONDS of video when periods are
        short: a player filling its buffer and a viewer seeking need that many at once."""
        if rotation <= 0:
            return settings.key_rate_burst
        periods = math.ceil(BURST_VIDEO_SECONDS / (rotation * SEGMENT_SECONDS))
        return max(settings.key_rate_burst, periods)

    def allow(self, session_id: str, *, rotation: int, settings: Settings) -> bool:
        now = time.monotonic()
        burst = float(self.burst(rotation=rotation, settings=settings))
        per_second = settings.key_rate_speed / (rotation * SEGMENT_SECONDS) if rotation else 0.0
        bucket = self._buckets.get(session_id)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._forget_idle(now)
            bucket = self._buckets[session_id] = _Bucket(tokens=burst, seen=now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.seen) * per_second)
        bucket.seen = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _forget_idle(self, now: float) -> None:
        for session_id in [s for s, b in self._buckets.items() if now - b.seen > 600]:
            del self._buckets[session_id]


rate = KeyRate()
# hls.js buffers up to 30 s ahead; four times that covers a fresh start plus seeking.
BURST_VIDEO_SECONDS = 120


async def _live(
    *, db: Database, settings: Settings, user: User, grant: signing.MediaGrant
) -> PlaybackSession | None:
    """The token's session if USER owns it, it is live and its reason to watch holds."""
    max_age = settings.access_cache_seconds
    session = await sessions_repo.get_session(db=db, session_id=grant.session_id, max_age=max_age)
    if (
        session is None
        or session.user_id != user.id
        or session.video_id != grant.video_id
        or not session.live_at(clock.now())
    ):
        return None
    if session.course_id is not None and session.lesson_id is not None and session.access:
        allowed = await lessons.still_allowed(
            db=db,
            user=user,
            course_id=session.course_id,
            lesson_id=session.lesson_id,
            access=session.access,
            max_age=max_age,
            accounted=session.forensic_number is not None,
        )
        if not allowed:
            return None
    return session


async def _renew(
    *, db: Database, settings: Settings, session: PlaybackSession, now: datetime
) -> None:
    lease = timedelta(seconds=settings.playback_lease_seconds)
    # Renewed less than half a lease ago (by a heartbeat or a key): the lease is safe, so
    # spare the database a write; with heartbeats running a key fetch never writes. Its
    # stream slot follows the session (repo).
    if now - (session.lease_until - lease) < lease / 2:
        return
    await sessions_repo.renew_lease(db=db, session_id=session.id, until=now + lease)


def _start_of(period: int, rotation: int) -> float:
    """The second of the video where key period PERIOD starts (a video packaged with one
    key, rotation 0, has one period: checkpoints cannot hold it back, docs/security.md)."""
    return float(period * rotation * SEGMENT_SECONDS) if rotation > 0 else 0.0


async def _check_checkpoints(
    *, db: Database, settings: Settings, session: PlaybackSession, period_start: float
) -> None:
    """403 checkpoint_required for a period at or after a checkpoint not passed (Q3)."""
    if not session.checkpoints:
        return
    block = await quiz_checkpoints.blocking(
        db=db,
        user_id=session.user_id,
        checkpoints=session.checkpoints,
        period_start=period_start,
        max_age=settings.access_cache_seconds,
    )
    if block is not None:
        metrics.KEY_REQUESTS.labels("checkpoint").inc()
        raise quiz_errors.checkpoint_required(block["id"], block["at"])


async def key_for(
    *,
    db: Database,
    settings: Settings,
    user: User,
    grant: signing.MediaGrant,
    period: int,
    ip: str,
) -> bytes:
    """Returns period PERIOD's key for USER's live session: plain in standard mode, wrapped
    for the session in session mode. 403 when the session may not play (any more), 429
    when it collects keys faster than playback could use them."""
    # The access decision and the key material are independent reads: ask for both at once.
    session, found = await asyncio.gather(
        _live(db=db, settings=settings, user=user, grant=grant),
        media.period_key(
            db=db,
            settings=settings,
            video_id=grant.video_id,
            period=period,
            max_age=settings.access_cache_seconds,
        ),
    )
    if session is None:
        log.warning(
            "key refused session=%s user=%s video=%s period=%s ip=%s",
            grant.session_id,
            user.id,
            grant.video_id,
            period,
            ip,
        )
        metrics.KEY_REQUESTS.labels("not_allowed").inc()
        raise errors.playback_not_allowed()
    if found is None:
        metrics.KEY_REQUESTS.labels("not_found").inc()
        raise not_found()
    await _check_checkpoints(
        db=db, settings=settings, session=session, period_start=_start_of(period, found.rotation)
    )
    if not rate.allow(session.id, rotation=found.rotation, settings=settings):
        security.warning(
            "key rate limited session=%s user=%s video=%s period=%s ip=%s",
            session.id,
            user.id,
            grant.video_id,
            period,
            ip,
        )
        metrics.KEY_REQUESTS.labels("rate_limited").inc()
        raise errors.key_rate_limited()
    await _renew(db=db, settings=settings, session=session, now=clock.now())
    metrics.KEY_REQUESTS.labels("granted").inc()
    if session.key_protection is KeyProtection.standard or session.key_secret is None:
        return found.key
    return wrap_for_session(found.key, session.key_secret, grant.video_id, period)
