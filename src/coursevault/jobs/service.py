"""Queue work for the workers."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from coursevault.database.db import Database
from coursevault.jobs import queue
from coursevault.jobs import repo as jobs_repo
from coursevault.jobs.models import JobState, JobType


async def enqueue(
    *,
    db: Database,
    job_type: JobType,
    payload: BaseModel,
    entity: str,
    once: str | None = None,
    after: timedelta = timedelta(0),
) -> str:
    """Queues a job of JOB_TYPE about ENTITY and wakes this process's workers.

    ONCE names the job: queuing a second job under the same name does nothing, so work that
    must happen once per event (a receipt) may be asked for by every handler that sees it.
    AFTER delays it: workers take due jobs oldest `run_at` first.
    """
    job_id, created = await jobs_repo.enqueue(
        db=db,
        kind=job_type.kind,
        payload=payload.model_dump(mode="json"),
        entity=entity,
        max_attempts=job_type.max_attempts,
        job_id=f"{job_type.kind}:{once}" if once else None,
        after=after,
    )
    if created:
        queue.notify_local()
    return job_id


async def cancel_for(*, db: Database, entity: str) -> int:
    """Cancels the queued and running jobs about ENTITY."""
    return await jobs_repo.cancel_for_entity(db=db, entity=entity)


async def state_of(*, db: Database, job_id: str) -> tuple[JobState, str | None] | None:
    """Returns a job's state and last error (for a command that waits on it)."""
    return await jobs_repo.get_state(db=db, job_id=job_id)


async def queue_stats(*, db: Database) -> tuple[dict[str, int], datetime | None]:
    """Jobs waiting per kind, and since when the oldest due one waits (for /metrics)."""
    return await jobs_repo.queue_stats(db=db)
