"""The site itself: where its data lives, its address, its master secret and the web app."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator

from coursevault.config.base import ConfigError, Environment, SettingsBase

# Values people paste from examples; refused outside development.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32
SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name


class SiteSettings(SettingsBase):
    data_dir: Path = Path("data")
    secret_key: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"
    # Extra origins allowed to send cookie-authenticated writes (CSRF Origin check).
    trusted_origins: list[str] = Field(default_factory=list)
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The built web app; by default web/dist beside the sources.
    web_dist: Path | None = None

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
        return self

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
