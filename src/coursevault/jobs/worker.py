"""The worker loop: claim a job, run its handler under a renewed lease, retry or fail it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from pymongo.errors import PyMongoError

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.jobs import queue
from coursevault.jobs import repo as jobs_repo
from coursevault.jobs.models import JobContext, JobType, PermanentJobError

log = logging.getLogger(__name__)

OUTAGE_MAX_WAIT_SECONDS = 30.0  # the longest pause between polls while the database is away
# A job whose runs keep dying with their worker (a poison input that crashes the process)
# must end some day; ten crashes is far past any run of restarts or deploys (D4).
MAX_INTERRUPTIONS = 10
SHUTDOWN_RELEASE_SECONDS = 2.0


@dataclass
class Outage:
    started: float
    failures: int = 0


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        job_types: Sequence[JobType],
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.id = worker_id or new_worker_id()
        self.types = {t.kind: t for t in job_types}
        if len(self.types) != len(job_types):
            raise ValueError("a job kind is listed twice")
        self.kinds = sorted(self.types)
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        queue.register(self)

    def wake(self) -> None:
        """Ends the idle wait at once (called by enqueue, possibly from another loop)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wakeup.set()
        else:
            loop.call_soon_threadsafe(self._wakeup.set)

    def _lease(self, job_type: JobType) -> timedelta:
        seconds = self.settings.job_lease_seconds or job_type.lease_seconds
        return timedelta(seconds=seconds)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Works until STOP is set; sleeps between polls when the queue is empty."""
        log.info("worker %s started for %s", self.id, ", ".join(self.kinds))
        self._loop = asyncio.get_running_loop()
        outage: Outage | None = None
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except PyMongoError as exc:
                # One line when the database goes away and one when it is back, not a
                # traceback per poll; polls back off meanwhile.
                if outage is None:
                    outage = Outage(started=time.monotonic())
                    log.warning("worker %s: database unreachable (%s); retrying", self.id, exc)
                outage.failures += 1
                worked = False
            except Exception:
                log.exception("worker %s: unexpected error; continuing", self.id)
                worked = False
            else:
                if outage is not None:
                    log.warning(
                        "worker %s: database reachable again after %.0f s",
                        self.id,
                        time.monotonic() - outage.started,
                    )
                    outage = None
            if worked:
                continue
            self._wakeup.clear()
            wait = self.settings.job_poll_seconds
            if outage is not None:
                wait = min(wait * 2**outage.failures, OUTAGE_MAX_WAIT_SECONDS)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    waiters = [
                        asyncio.create_task(stop.wait()),
                        asyncio.create_task(self._wakeup.wait()),
                    ]
                    try:
                        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for waiter in waiters:
                            waiter.cancel()

    async def run_once(self) -> bool:
        """Runs one due job if there is one; returns whether it found one."""
        shortest = min((self._lease(t) for t in self.types.values()), default=timedelta(seconds=60))
        job = await jobs_repo.claim(db=self.db, kinds=self.kinds, worker=self.id, lease=shortest)
        if job is None:
            return False
        job_type = self.types[job["kind"]]
        ctx = JobContext(
            db=self.db,
            settings=self.settings,
            job_id=job["_id"],
            attempt=job["attempts"],
            payload=job["payload"],
        )
        if job["attempts"] > job_type.max_attempts:
            await self._fail(job_type, ctx, "It failed too many times; please upload it again")
            return True
        if job.get("interrupted", 0) > MAX_INTERRUPTIONS:
            await self._fail(job_type, ctx, "The worker stopped every time it ran this job")
            return True
        await self._run(job_type, ctx)
        return True

    async def _run(self, job_type: JobType, ctx: JobContext) -> None:
        lease = self._lease(job_type)
        work: asyncio.Task[None] = asyncio.ensure_future(job_type.handler(ctx))
        heartbeat = asyncio.create_task(self._heartbeat(ctx, lease, work))
        try:
            await work
        except asyncio.CancelledError:
            if not ctx.cancelled.is_set():
                # We are shutting down: the job goes back to the queue for the next worker
                # without costing an attempt (if the database cannot be told, its lease runs
                # out and the next claim gives the attempt back instead).
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(SHUTDOWN_RELEASE_SECONDS):
                        await jobs_repo.release(db=self.db, job_id=ctx.job_id, worker=self.id)
                raise
            log.info("job %s was cancelled", ctx.job_id)
        except PermanentJobError as exc:
            await self._fail(job_type, ctx, str(exc))
        except Exception as exc:
            message = str(exc) or exc.__class__.__name__
            if ctx.attempt >= job_type.max_attempts:
                await self._fail(job_type, ctx, message)
            else:
                delay = timedelta(seconds=job_type.backoff(ctx.attempt))
                log.warning(
                    "job %s attempt %s failed (%s); retrying", ctx.job_id, ctx.attempt, message
                )
                await jobs_repo.retry_later(
                    db=self.db, job_id=ctx.job_id, worker=self.id, delay=delay, error=message
                )
        else:
            await jobs_repo.finish(db=self.db, job_id=ctx.job_id, worker=self.id)
        finally:
            heartbeat.cancel()

    async def _heartbeat(self, ctx: JobContext, lease: timedelta, work: asyncio.Task[None]) -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            if not await jobs_repo.renew_lease(
                db=self.db, job_id=ctx.job_id, worker=self.id, lease=lease
            ):
                ctx.cancelled.set()
                work.cancel()
                return

    async def _fail(self, job_type: JobType, ctx: JobContext, message: str) -> None:
        log.warning("job %s failed: %s", ctx.job_id, message)
        await jobs_repo.fail(db=self.db, job_id=ctx.job_id, error=message)
        if job_type.on_failure is not None:
            await job_type.on_failure(ctx, message)
