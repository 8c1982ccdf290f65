"""Email. Without an SMTP URL, development writes mail to DATA_DIR/outbox (`coursevault
mail list`); production refuses to start unless mail is off."""

from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit

from pydantic import SecretStr, model_validator

from coursevault.config.base import ConfigError, Environment, SettingsBase


class MailSettings(SettingsBase):
    mail_enabled: bool = True
    smtp_url: SecretStr | None = None  # smtp://user:password@host:587 or smtps://…:465
    mail_from: str = "CourseVault <noreply@localhost>"

    @model_validator(mode="after")
    def _require_relay(self) -> Self:
        if self.env is Environment.production and self.mail_enabled and self.smtp_url is None:
            raise ConfigError(
                "COURSEVAULT_SMTP_URL must be set in production (smtp://user:password@host:587"
                " or smtps://…:465): password resets and receipts go by email. Set "
                "COURSEVAULT_MAIL_ENABLED=false to run without any email."
            )
        if self.smtp_url is not None:
            url = urlsplit(self.smtp_url.get_secret_value())
            if url.scheme not in ("smtp", "smtps") or not url.hostname:
                raise ConfigError(
                    "COURSEVAULT_SMTP_URL must look like smtp://user:password@host:587 "
                    "or smtps://user:password@host:465"
                )
        return self
