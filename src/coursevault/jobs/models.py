"""Job states and the context a handler runs in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coursevault.config import Settings
from coursevault.db import Database


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
