"""Playback: sessions and their leases, stream and play limits, content keys, and how
playlists and segments are delivered."""

from __future__ import annotations

from pydantic import Field

from coursevault.config.base import SettingsBase


class PlaybackSettings(SettingsBase):
    # Segment offload: with e.g. "/internal-media/", segment answers become an
    # X-Accel-Redirect for nginx (docs/deploy/nginx.conf); tokens are still checked here.
    accel_redirect: str | None = Field(default=None, pattern=r"^/[A-Za-z0-9_/-]*/$")

    # Playback sessions (K4): a lease renewed by heartbeats; tokens outlive a long lesson.
    # A heartbeat writes the lease and the position (two writes): every 60 s keeps a viewer
    # at one database write per 30 s; key fetches between heartbeats write nothing.
    playback_heartbeat_seconds: int = Field(default=60, ge=1)
    playback_lease_seconds: int = Field(default=150, ge=2)
    playback_token_ttl_seconds: int = Field(default=6 * 3600, ge=60)
    max_concurrent_streams: int = Field(default=2, ge=1)
    # Playback starts per account (K9): a burst, then one per 3600/N seconds; more is 429
    # playback_rate_limited. Each start may collect a burst of keys (K7), so this bounds how
    # fast one sign-in can harvest keys by cycling start, keys, end.
    playback_starts_per_hour: int = Field(default=180, ge=1)
    playback_start_burst: int = Field(default=10, ge=1)
    # Key rotation: every N segments (6 s each) get a new key; 0 = one key per video.
    key_rotation_segments: int = Field(default=8, ge=0, le=10_000)
    # A session may fetch the keys of KEY_RATE_SPEED× real-time playback per minute,
    # plus a burst (seeking, a new page); faster is refused (429 key_rate_limited).
    key_rate_speed: float = Field(default=4.0, gt=0)
    key_rate_burst: int = Field(default=10, ge=1)
    # How long the key endpoint may reuse an access decision (sign-in, session, enrollment)
    # it looked up; part of the revocation bound (next period + this + the player's buffer).
    # The caches it bounds are listed in docs/architecture.md ("Caches").
    access_cache_seconds: float = Field(default=5.0, ge=0, le=30)
    # Origins (e.g. a separate player site) allowed to fetch /hls with CORS; never "*".
    media_cors_origins: list[str] = Field(default_factory=list)

    # Course defaults (a course's own playback policy overrides them); None = unlimited.
    max_plays_per_lesson: int | None = Field(default=None, ge=1)
