"""The only code that touches the `jobs` collection."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document
from coursevault.jobs.models import JobState


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.jobs.create_index([("state", ASCENDING), ("run_at", ASCENDING)])
    await db.jobs.create_index("entity")


async def enqueue(
    *,
    db: Database,
    kind: str,
    payload: dict[str, Any],
    entity: str,
    max_attempts: int,
    job_id: str | None = None,
    after: timedelta = timedelta(0),
) -> tuple[str, bool]:
    """Queues a job of KIND about ENTITY (e.g. "video:<id>"), due AFTER from now; returns
    its id and whether it is new (False: a job with the given JOB_ID already exists and
    nothing was queued)."""
    now = clock.now()
    job_id = job_id or str(ObjectId())
    try:
        await db.jobs.insert_one(
            {
                "_id": job_id,
                "kind": kind,
                "payload": payload,
                "entity": entity,
                "state": JobState.queued.value,
                "attempts": 0,
                "interrupted": 0,
                "max_attempts": max_attempts,
                "run_at": now + after,
                "lease_until": None,
                "worker": None,
                "error": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    except DuplicateKeyError:
        return job_id, False
    return job_id, True


async def claim(
    *, db: Database, kinds: list[str], worker: str, lease: timedelta
) -> Document | None:
    """Atomically takes the next due job, or one whose worker's lease ran out; returns the
    job as it is now, with `interrupted` counting the runs that died with their worker."""
    now = clock.now()
    before = await db.jobs.find_one_and_update(
        {
            "kind": {"$in": kinds},
            "$or": [
                {"state": JobState.queued.value, "run_at": {"$lte": now}},
                {"state": JobState.running.value, "lease_until": {"$lt": now}},
            ],
        },
        {
            "$set": {
                "state": JobState.running.value,
                "worker": worker,
                "lease_until": now + lease,
                "updated_at": now,
            },
            "$inc": {"attempts": 1},
        },
        sort=[("run_at", ASCENDING)],
        return_document=ReturnDocument.BEFORE,
    )
    if before is None:
        return None
    job = {**before, "state": JobState.running.value, "worker": worker}
    job["attempts"] = before["attempts"] + 1
    if before["state"] == JobState.running.value:
        # The last run's worker died (kill -9, OOM, a restart) without an answer: a crash is
        # not the job's failure, so it gives its attempt back (D4) and is counted apart.
        job["attempts"] -= 1
        job["interrupted"] = before.get("interrupted", 0) + 1
        await db.jobs.update_one(
            {"_id": before["_id"], "worker": worker},
            {"$inc": {"attempts": -1, "interrupted": 1}},
        )
    return job


async def release(*, db: Database, job_id: str, worker: str) -> None:
    """Hands a job this worker holds back to the queue at once, its attempt not counted:
    the worker is shutting down, the job did nothing wrong."""
    await db.jobs.update_one(
        {"_id": job_id, "worker": worker, "state": JobState.running.value},
        {
            "$set": {
                "state": JobState.queued.value,
                "run_at": clock.now(),
                "lease_until": None,
                "worker": None,
                "updated_at": clock.now(),
            },
            "$inc": {"attempts": -1},
        },
    )


async def renew_lease(*, db: Database, job_id: str, worker: str, lease: timedelta) -> bool:
    """Extends the lease; False when the job is no longer ours (cancelled or reclaimed)."""
    result = await db.jobs.update_one(
        {"_id": job_id, "worker": worker, "state": JobState.running.value},
        {"$set": {"lease_until": clock.now() + lease, "updated_at": clock.now()}},
    )
    return result.matched_count == 1


async def finish(*, db: Database, job_id: str, worker: str) -> None:
    """Marks a job this worker holds as done."""
    await db.jobs.update_one(
        {"_id": job_id, "worker": worker, "state": JobState.running.value},
        {"$set": {"state": JobState.done.value, "lease_until": None, "updated_at": clock.now()}},
    )


async def retry_later(
    *, db: Database, job_id: str, worker: str, delay: timedelta, error: str
) -> None:
    """Puts a job this worker holds back in the queue after DELAY."""
    await db.jobs.update_one(
        {"_id": job_id, "worker": worker, "state": JobState.running.value},
        {
            "$set": {
                "state": JobState.queued.value,
                "run_at": clock.now() + delay,
                "lease_until": None,
                "worker": None,
                "error": error,
                "updated_at": clock.now(),
            }
        },
    )


async def fail(*, db: Database, job_id: str, error: str) -> None:
    """Marks a job failed for good."""
    await db.jobs.update_one(
        {"_id": job_id, "state": {"$in": [JobState.running.value, JobState.queued.value]}},
        {
            "$set": {
                "state": JobState.failed.value,
                "lease_until": None,
                "error": error,
                "updated_at": clock.now(),
            }
        },
    )


async def cancel_for_entity(*, db: Database, entity: str) -> int:
    """Cancels every queued or running job about ENTITY; running ones stop at their heartbeat."""
    result = await db.jobs.update_many(
        {"entity": entity, "state": {"$in": [JobState.queued.value, JobState.running.value]}},
        {"$set": {"state": JobState.cancelled.value, "updated_at": clock.now()}},
    )
    return result.modified_count


async def get_state(*, db: Database, job_id: str) -> tuple[JobState, str | None] | None:
    """Returns a job's state and last error, or None when there is no such job."""
    doc = await db.jobs.find_one({"_id": job_id}, {"state": 1, "error": 1})
    return (JobState(doc["state"]), doc.get("error")) if doc else None


async def queue_stats(*, db: Database) -> tuple[dict[str, int], datetime | None]:
    """Returns how many jobs of each kind wait, and when the oldest due one became due."""
    now = clock.now()
    depth: dict[str, int] = {}
    async for row in await db.jobs.aggregate(
        [
            {"$match": {"state": JobState.queued.value}},
            {"$group": {"_id": "$kind", "n": {"$sum": 1}}},
        ]
    ):
        depth[row["_id"]] = row["n"]
    oldest = await db.jobs.find_one(
        {"state": JobState.queued.value, "run_at": {"$lte": now}}, sort=[("run_at", ASCENDING)]
    )
    return depth, oldest["run_at"] if oldest else None
