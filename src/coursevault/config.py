"""Settings: one object, read from COURSEVAULT_* environment variables or `.env`."""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values people paste from examples; refused outside development.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32
SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name


class StorageKind(StrEnum):
    local = "local"  # directories under DATA_DIR
    s3 = "s3"  # an S3-compatible bucket


class S3Delivery(StrEnum):
    proxy = "proxy"  # the app streams segment bytes from the bucket
    redirect = "redirect"  # 302 to a short-lived presigned URL (a CDN in front of the bucket)


class LogFormat(StrEnum):
    text = "text"
    json = "json"  # one JSON object per line, for log shippers


class Environment(StrEnum):
    development = "development"
    production = "production"


class ConfigError(RuntimeError):
    """The configuration cannot start the platform; the message says what to change."""


def _loopback() -> list[IPv4Network | IPv6Network]:
    return [IPv4Network("127.0.0.0/8"), IPv6Network("::1/128")]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COURSEVAULT_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.development
    data_dir: Path = Path("data")
    mongodb_uri: str | None = None
    mongodb_database: str = "coursevault"
    # Every database call gives up after this long (pymongo's timeoutMS): a frozen
    # database turns into 503 database_unavailable instead of requests that hang.
    db_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    secret_key: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"
    # Extra origins allowed to send cookie-authenticated writes (CSRF Origin check).
    trusted_origins: list[str] = Field(default_factory=list)

    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "coursevault"
    jwt_audience: str = "coursevault-api"
    access_token_ttl_seconds: int = Field(default=600, ge=30, le=900)  # J5: ≤ 15 min
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    # A rotated refresh token seen again this soon is a racing tab, not theft (J5).
    refresh_reuse_grace_seconds: int = Field(default=10, ge=0, le=60)
    token_leeway_seconds: int = Field(default=30, ge=0, le=60)

    password_min_length: int = Field(default=10, ge=8)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=19 * 1024)  # W1: OWASP floor
    argon2_time_cost: int = Field(default=2, ge=2)
    argon2_parallelism: int = Field(default=1, ge=1)

    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    login_lockout_seconds: int = Field(default=60, ge=1)

    open_instructor_signup: bool = True
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    # Uploads (tus) and the video pipeline.
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

    # Where media bytes live (docs/deploy/multi-node.md). With s3, originals, tus chunks
    # and encrypted HLS go to the bucket; keys and clear segments never do.
    storage: StorageKind = StorageKind.local
    s3_endpoint: str | None = None  # e.g. https://s3.eu-central-1.amazonaws.com
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = Field(default="", pattern=r"^([A-Za-z0-9._-]+/)*$")
    s3_delivery: S3Delivery = S3Delivery.proxy
    s3_url_ttl_seconds: int = Field(default=300, ge=10, le=3600)  # presigned segment URLs

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
    access_cache_seconds: float = Field(default=5.0, ge=0, le=30)
    # Origins (e.g. a separate player site) allowed to fetch /hls with CORS; never "*".
    media_cors_origins: list[str] = Field(default_factory=list)

    # The built web app; by default web/dist beside the sources.
    web_dist: Path | None = None

    # Course defaults (a course's own playback policy overrides them); None = unlimited.
    max_plays_per_lesson: int | None = Field(default=None, ge=1)

    # Payments: Stripe when a secret key is set, otherwise the local test checkout
    # (development and test only; production without Stripe sells nothing).
    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None  # e.g. a localstripe URL in tests
    stripe_js_url: str = "https://js.stripe.com/v3/"
    webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)  # P1, both ways
    instructor_refund_window_days: int = Field(default=14, ge=0)

    # Connection limits of `coursevault serve` (granian): every viewer holds a keep-alive
    # connection, and granian's defaults (1,024 queued, backpressure = backlog / workers)
    # stalled new connections past about a thousand viewers (bench/viewers.py).
    backlog: int = Field(default=8192, ge=128)
    backpressure: int = Field(default=8192, ge=1)

    # Email. Without an SMTP URL, development writes mail to DATA_DIR/outbox
    # (`coursevault mail list`); production refuses to start unless mail is off.
    mail_enabled: bool = True
    smtp_url: SecretStr | None = None  # smtp://user:password@host:587 or smtps://…:465
    mail_from: str = "CourseVault <noreply@localhost>"
    email_verification_ttl_seconds: int = Field(default=3 * 24 * 3600, ge=300)
    password_reset_ttl_seconds: int = Field(default=30 * 60, ge=60, le=24 * 3600)

    # Operating several nodes: who may read GET /metrics (everyone else gets 404), and
    # how log lines look.
    metrics_allow: list[IPvAnyNetwork] = Field(default_factory=_loopback)
    log_format: LogFormat = LogFormat.text
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    # Background jobs: an in-process worker by default; `coursevault worker` adds more.
    inprocess_worker: bool = True
    job_poll_seconds: float = Field(default=2.0, gt=0)
    job_lease_seconds: float = Field(default=0, ge=0)  # 0: each job kind's own lease

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Self:
        if self.env is Environment.production:
            value = self.secret_key.get_secret_value() if self.secret_key else ""
            if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    "COURSEVAULT_SECRET_KEY must be set to a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters in production "
                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
                )
            if self.mail_enabled and self.smtp_url is None:
                raise ConfigError(
                    "COURSEVAULT_SMTP_URL must be set in production (smtp://user:password@host:587"
                    " or smtps://…:465): password resets and receipts go by email. Set "
                    "COURSEVAULT_MAIL_ENABLED=false to run without any email."
                )
        if self.storage is StorageKind.s3:
            missing = [
                f"COURSEVAULT_{name.upper()}"
                for name in ("s3_endpoint", "s3_bucket", "s3_access_key_id", "s3_secret_access_key")
                if not getattr(self, name)
            ]
            if missing:
                raise ConfigError(f"COURSEVAULT_STORAGE=s3 needs {', '.join(missing)}")
        if self.smtp_url is not None:
            url = urlsplit(self.smtp_url.get_secret_value())
            if url.scheme not in ("smtp", "smtps") or not url.hostname:
                raise ConfigError(
                    "COURSEVAULT_SMTP_URL must look like smtp://user:password@host:587 "
                    "or smtps://user:password@host:465"
                )
        return self

    @property
    def is_development(self) -> bool:
        return self.env is Environment.development

    @property
    def uses_embedded_database(self) -> bool:
        return not self.mongodb_uri

    @cached_property
    def master_secret(self) -> bytes:
        """Returns the secret every purpose key is derived from (generated once in development)."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value().encode()
        return load_or_create_secret(self.data_dir).encode()


def load_or_create_secret(data_dir: Path) -> str:
    """Returns the development secret in DATA_DIR, creating it with mode 600 the first time."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE_NAME
    if not path.exists():
        # Write a private temp file, then link it into place: concurrent starters never
        # see a half-written secret, and exactly one of them wins.
        tmp = data_dir / f".{SECRET_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    value = path.read_text().strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{path} holds fewer than {MIN_SECRET_LENGTH} characters; delete it")
    return value
