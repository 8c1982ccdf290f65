"""What every group of settings shares: the COURSEVAULT_ prefix, the `.env` file and the
environment (development or production), whose checks several groups make."""

from __future__ import annotations

from enum import StrEnum

from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    development = "development"
    production = "production"


class ConfigError(RuntimeError):
    """The configuration cannot start the platform; the message says what to change."""


class SettingsBase(BaseSettings):
    """The base of every group: each is read on its own terms (COURSEVAULT_<FIELD>, `.env`),
    so `Settings`, which inherits them all, reads exactly the variables they name."""

    model_config = SettingsConfigDict(
        env_prefix="COURSEVAULT_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.development

    @property
    def is_development(self) -> bool:
        return self.env is Environment.development
