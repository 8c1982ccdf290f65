"""Sign-in: JWTs and refresh tokens, password hashing, the login throttle, sign-up, and how
long mailed account links work."""

from __future__ import annotations

from pydantic import Field

from coursevault.config.base import SettingsBase


class AuthSettings(SettingsBase):
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

    # Mailed account links (sent only when mail is on: config/mail.py).
    email_verification_ttl_seconds: int = Field(default=3 * 24 * 3600, ge=300)
    password_reset_ttl_seconds: int = Field(default=30 * 60, ge=60, le=24 * 3600)
