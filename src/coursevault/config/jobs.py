"""Background jobs: an in-process worker by default; `coursevault worker` adds more."""

from __future__ import annotations

from pydantic import Field

from coursevault.config.base import SettingsBase


class JobSettings(SettingsBase):
    inprocess_worker: bool = True
    job_poll_seconds: float = Field(default=2.0, gt=0)
    job_lease_seconds: float = Field(default=0, ge=0)  # 0: each job kind's own lease
