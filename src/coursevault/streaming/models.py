"""Playback session schemas and the per-course stream policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class LimitBehavior(StrEnum):
    refuse_new = "refuse_new"  # the newest start gets 409 stream_limit (default)
    evict_oldest = "evict_oldest"  # the oldest live session ends; the new one starts


@dataclass(frozen=True)
class StreamPolicy:
    max_concurrent_streams: int
    limit_behavior: LimitBehavior = LimitBehavior.refuse_new


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


class PlaybackStartIn(BaseModel):
    device: str = Field(default="", max_length=200)


class HeartbeatIn(BaseModel):
    position: float = Field(ge=0, le=48 * 3600)


class HeartbeatOut(BaseModel):
    lease_until: datetime


class PlaybackSessionPage(BaseModel):
    items: list[PlaybackSessionRead]
