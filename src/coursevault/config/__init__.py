"""Settings: one object, read from COURSEVAULT_* environment variables or `.env`.

Each domain declares its settings in its own module (`site`, `auth`, `mail`, `uploads`,
`storage`, `playback`, `payments`, `jobs`, `captions`, `operations`), with the checks that
concern them; `Settings` inherits every group, so callers still read `settings.s3_bucket` and build
`Settings(**overrides)` with flat names. docs/configuration.md lists them by the same
groups, and a test keeps the two in step.
"""

from __future__ import annotations

from coursevault.config.auth import AuthSettings
from coursevault.config.base import ConfigError, Environment, SettingsBase
from coursevault.config.captions import CaptionSettings
from coursevault.config.jobs import JobSettings
from coursevault.config.mail import MailSettings
from coursevault.config.operations import LogFormat, OperationsSettings
from coursevault.config.payments import StripeSettings
from coursevault.config.playback import PlaybackSettings
from coursevault.config.site import (
    MIN_SECRET_LENGTH,
    PLACEHOLDER_SECRETS,
    SECRET_FILE_NAME,
    SiteSettings,
    load_or_create_secret,
)
from coursevault.config.storage import S3Delivery, StorageKind, StorageSettings
from coursevault.config.uploads import LadderKind, UploadSettings

__all__ = [
    "MIN_SECRET_LENGTH",
    "PLACEHOLDER_SECRETS",
    "SECRET_FILE_NAME",
    "AuthSettings",
    "CaptionSettings",
    "ConfigError",
    "Environment",
    "JobSettings",
    "LadderKind",
    "LogFormat",
    "MailSettings",
    "OperationsSettings",
    "PlaybackSettings",
    "S3Delivery",
    "Settings",
    "SettingsBase",
    "SiteSettings",
    "StorageKind",
    "StorageSettings",
    "StripeSettings",
    "UploadSettings",
    "load_or_create_secret",
]


# pydantic reads the bases from the last to the first: fields are listed, and checks run,
# in the order site, auth, mail, uploads, … operations. So a production start with a
# placeholder secret is refused for its secret first, as in the one class this was.
class Settings(
    OperationsSettings,
    CaptionSettings,
    JobSettings,
    StripeSettings,
    PlaybackSettings,
    StorageSettings,
    UploadSettings,
    MailSettings,
    AuthSettings,
    SiteSettings,
):
    """Every setting of the platform, validated once at start."""
