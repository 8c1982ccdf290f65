"""Worker processes end when the `coursevault serve` process that started them dies.

Granian's workers outlive a `kill -9` of its main process and keep the port; each worker
therefore watches the pid that `serve` exported and stops itself when that pid is gone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

SUPERVISOR_ENV = "COURSEVAULT_SUPERVISOR_PID"
POLL_SECONDS = 1.0
GRACE_SECONDS = 10.0

log = logging.getLogger(__name__)


def supervisor_pid() -> int | None:
    """Returns the pid of the `serve` process this worker belongs to, if any."""
    value = os.environ.get(SUPERVISOR_ENV, "")
    return int(value) if value.isdigit() and int(value) != os.getpid() else None


async def watch(pid: int) -> None:
    """Stops this process (gracefully, then for sure) once PID no longer exists."""
    while True:
        await asyncio.sleep(POLL_SECONDS)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        except PermissionError:
            continue
    log.warning("serve process %s is gone; stopping worker %s", pid, os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.sleep(GRACE_SECONDS)
    os._exit(1)
