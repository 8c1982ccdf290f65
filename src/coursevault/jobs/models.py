"""Job states, job types and the context a handler runs in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coursevault.config import Settings
from coursevault.database.db import Database


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class PermanentJobError(Exception):
    """Retrying cannot help (bad input); the message is shown to people."""


@dataclass
class JobContext:
    db: Database
    settings: Settings
    job_id: str
    attempt: int
    payload: dict[str, Any]
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)


Handler = Callable[[JobContext], Awaitable[None]]
FailureHook = Callable[[JobContext, str], Awaitable[None]]


@dataclass(frozen=True)
class JobType:
    """One kind of job: its handler and its retry rules, declared by the feature that owns it.

    The queue knows no job type; the wiring floor (`background_work.JOB_TYPES`) hands the
    list to each worker, and `enqueue` takes the object, so a kind is never looked up by
    a string that could be misspelt.
    """

    kind: str
    handler: Handler
    on_failure: FailureHook | None = None
    max_attempts: int = 3
    backoff_seconds: float = 10.0
    lease_seconds: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Returns the wait before attempt ATTEMPT + 1 (doubling, at most an hour)."""
        return float(min(self.backoff_seconds * 2 ** max(0, attempt - 1), 3600.0))
