"""Uploads (tus) and the video pipeline that transcodes them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from coursevault.config.base import SettingsBase


class LadderKind(StrEnum):
    adaptive = "adaptive"  # each rung at constant quality under its rate (issue #26)
    fixed = "fixed"  # each rung at its fixed rate, as before


class UploadSettings(SettingsBase):
    max_upload_bytes: int = Field(default=8 * 1024**3, ge=1)
    upload_quota_bytes: int = Field(default=200 * 1024**3, ge=1)
    max_concurrent_uploads: int = Field(default=3, ge=1)
    upload_expiry_seconds: int = Field(default=24 * 3600, ge=1)
    # A PATCH's write lock is a lease renewed while it runs; after a crash the upload
    # resumes once it runs out (U8). Expired uploads are swept this often (U5).
    upload_lock_seconds: float = Field(default=30.0, ge=1, le=3600)
    upload_sweep_seconds: float = Field(default=300.0, gt=0)
    # Free space in the data directory that uploads never use: the database, the job
    # queue and transcodes need it (507 insufficient_storage below it).
    disk_reserve_bytes: int = Field(default=1024**3, ge=0)
    max_video_duration_seconds: float = Field(default=6 * 3600, gt=0)
    ffmpeg_timeout_seconds: float = Field(default=6 * 3600, gt=0)
    x264_preset: str = "veryfast"
    # Rungs at x264's constant quality capped at the ladder's rates, and only those that
    # show more than the rung below; `fixed` encodes every rung at its rate.
    ladder: LadderKind = LadderKind.adaptive
    # A new upload plays at 360p as soon as its first segments are encoded and encrypted,
    # while the rest of the ladder is made (media/first_play.py).
    first_play: bool = True
    # Shorter videos wait for their ladder: at 1.5x real time (1080p, 2 cores) a 30 s
    # video is whole in about 20 s, little more than its first two segments take.
    first_play_min_seconds: float = Field(default=30.0, ge=0)
