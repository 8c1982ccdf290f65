"""Queue work for the workers."""

from __future__ import annotations

from typing import Any

from coursevault.db import Database
from coursevault.jobs import registry, worker
from coursevault.jobs import repo as jobs_repo


async def enqueue(*, db: Database, kind: str, payload: dict[str, Any], entity: str) -> str:
    """Queues a job of a registered KIND and wakes this process's worker."""
    registry.load_handlers()
    job_type = registry.get(kind)
    if job_type is None:
        raise ValueError(f"no handler for job kind {kind!r}")
    job_id = await jobs_repo.enqueue(
        db=db, kind=kind, payload=payload, entity=entity, max_attempts=job_type.max_attempts
    )
    worker.wakeup.set()
    return job_id


async def cancel_for(*, db: Database, entity: str) -> int:
    """Cancels the queued and running jobs about ENTITY."""
    return await jobs_repo.cancel_for_entity(db=db, entity=entity)
