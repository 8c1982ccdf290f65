"""Playback session schemas, the per-course stream policy and play grants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from coursevault.courses.models import CheckpointRef, KeyProtection, LimitBehavior


@dataclass(frozen=True)
class StreamPolicy:
    max_concurrent_streams: int
    limit_behavior: LimitBehavior = LimitBehavior.refuse_new


class PlaybackSession(BaseModel):
    """A stored playback session (`playback_sessions`): one stream of one video, a lease
    renewed by heartbeats and key fetches, and the reason it was allowed."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    user_id: str
    video_id: str
    device: str
    ip: str
    started_at: datetime
    last_seen: datetime
    lease_until: datetime
    position: float
    ended_at: datetime | None
    end_reason: str | None
    # A lesson's session (the only kind the API starts) records where and why it plays.
    course_id: str | None = None
    lesson_id: str | None = None
    access: str | None = None
    video_duration: float | None = None  # the lesson's video length, for completion
    completion_share: float = 0.9  # the share of it that completes it (the course's rule)
    # The lesson's checkpoints ({id, at}) as the session started; its keys after one wait
    # for a pass (Q3). Empty for a viewer the course exempts.
    checkpoints: list[dict[str, Any]] = []
    # How its keys are handed out; in `session` mode each key is wrapped with this secret,
    # which only the player that started the session received (docs/security.md, K6).
    key_protection: KeyProtection = KeyProtection.standard
    key_secret: bytes | None = None
    slot: int | None = None  # the stream slot it holds (K4); None before slots were kept
    # (seconds since start, position) at the start and at each heartbeat: what engagement
    # is computed from (engagement/curve.py). Left out of reads that do not need it.
    trail: list[tuple[float, float]] = []
    heartbeat_seconds: int = 60  # the interval this session's player was told to beat at
    # Watermarked course and video: the number whose codeword picks its segments (F1).
    forensic_number: int | None = None

    def live_at(self, now: datetime) -> bool:
        """Whether the session still plays: not ended and its lease not run out."""
        return self.ended_at is None and self.lease_until > now


class PlayCounter(BaseModel):
    """Plays counted and extra plays granted to one student for one lesson (`lesson_plays`)."""

    user_id: str
    course_id: str
    lesson_id: str
    count: int
    extra: int


class PlaybackSessionRead(BaseModel):
    id: str
    video_id: str
    device: str
    started_at: datetime
    last_seen: datetime


class PlaybackStart(BaseModel):
    session_id: str
    playlist_url: str
    expires_at: datetime
    heartbeat_interval: int
    watermark: str
    resume_position: float = 0.0  # where the viewer left this lesson, in seconds
    key_protection: KeyProtection
    # The checkpoints this session is held to (the lesson's, none for an exempt viewer):
    # the player stops at each until it is passed, where the key server would (Q3).
    checkpoints: list[CheckpointRef] = []
    # Session mode: base64 of the secret that unwraps this session's keys. Only in this
    # answer: never in a URL, a playlist or a log.
    key_secret: str | None = None
    # The seek-preview thumbnails (WebVTT, tiles of one sprite) under the same token.
    storyboard_url: str | None = None
    # Whether the player may offer picture-in-picture: its window shows the picture without
    # the page's watermark overlay, so only a session traced by the picture itself (the
    # course's forensic mark, F1) gets it.
    picture_in_picture: bool = False


class PlaybackStartIn(BaseModel):
    device: str = Field(default="", max_length=200)


class HeartbeatUpdate(BaseModel):
    position: float = Field(ge=0, le=48 * 3600)


class HeartbeatRead(BaseModel):
    lease_until: datetime


class PlaybackSessionPage(BaseModel):
    items: list[PlaybackSessionRead]


class PlayGrantCreate(BaseModel):
    lesson_id: str
    extra_plays: int = Field(ge=1, le=1000)


class PlayGrantRead(BaseModel):
    lesson_id: str
    user_id: str
    plays: int
    extra_plays: int
