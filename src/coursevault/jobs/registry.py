"""The one map from job kind to handler, with per-kind attempts, backoff and lease."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coursevault.jobs.models import FailureHook, Handler


@dataclass(frozen=True)
class JobType:
    kind: str
    handler: Handler
    on_failure: FailureHook | None
    max_attempts: int
    backoff_seconds: float
    lease_seconds: float

    def backoff(self, attempt: int) -> float:
        """Returns the wait before attempt ATTEMPT + 1 (doubling, at most an hour)."""
        return float(min(self.backoff_seconds * 2 ** max(0, attempt - 1), 3600.0))


_types: dict[str, JobType] = {}


def job_type(
    kind: str,
    *,
    max_attempts: int = 3,
    backoff_seconds: float = 10.0,
    lease_seconds: float = 60.0,
    on_failure: FailureHook | None = None,
) -> Callable[[Handler], Handler]:
    """Registers the decorated handler for KIND."""

    def register(handler: Handler) -> Handler:
        if kind in _types:
            raise ValueError(f"job kind {kind!r} is registered twice")
        _types[kind] = JobType(
            kind, handler, on_failure, max_attempts, backoff_seconds, lease_seconds
        )
        return handler

    return register


def get(kind: str) -> JobType | None:
    return _types.get(kind)


def kinds() -> list[str]:
    return sorted(_types)


def load_handlers() -> None:
    """Imports every module that registers job handlers."""
    import coursevault.media.jobs  # noqa: F401
