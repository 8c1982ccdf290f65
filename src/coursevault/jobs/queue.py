"""Wakes this process's idle workers when a job is queued, so they start at once.

Each worker owns its own `asyncio.Event` (an event is bound to the loop that first waits
on it; one shared module-level event broke every loop after the first and made idle
workers poll the database hundreds of times a second). The set is weak so a worker that
is gone is forgotten without being unregistered.
"""

from __future__ import annotations

import weakref
from typing import Protocol


class Wakeable(Protocol):
    def wake(self) -> None: ...


_local: weakref.WeakSet[Wakeable] = weakref.WeakSet()


def register(worker: Wakeable) -> None:
    _local.add(worker)


def notify_local() -> None:
    """Wakes every live worker of this process."""
    for worker in list(_local):
        worker.wake()
