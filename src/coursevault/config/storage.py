"""Where media bytes live (docs/deploy/multi-node.md): directories under DATA_DIR, or an
S3-compatible bucket."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, SecretStr, model_validator

from coursevault.config.base import ConfigError, SettingsBase


class StorageKind(StrEnum):
    local = "local"  # directories under DATA_DIR
    s3 = "s3"  # an S3-compatible bucket


class S3Delivery(StrEnum):
    proxy = "proxy"  # the app streams segment bytes from the bucket
    redirect = "redirect"  # 302 to a short-lived presigned URL (a CDN in front of the bucket)


class StorageSettings(SettingsBase):
    # With s3, originals, tus chunks and encrypted HLS go to the bucket; keys and clear
    # segments never do.
    storage: StorageKind = StorageKind.local
    s3_endpoint: str | None = None  # e.g. https://s3.eu-central-1.amazonaws.com
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = Field(default="", pattern=r"^([A-Za-z0-9._-]+/)*$")
    s3_delivery: S3Delivery = S3Delivery.proxy
    s3_url_ttl_seconds: int = Field(default=300, ge=10, le=3600)  # presigned segment URLs

    @model_validator(mode="after")
    def _require_bucket(self) -> Self:
        if self.storage is StorageKind.s3:
            missing = [
                f"COURSEVAULT_{name.upper()}"
                for name in ("s3_endpoint", "s3_bucket", "s3_access_key_id", "s3_secret_access_key")
                if not getattr(self, name)
            ]
            if missing:
                raise ConfigError(f"COURSEVAULT_STORAGE=s3 needs {', '.join(missing)}")
        return self
