"""What runs beside the API (in `serve`) or alone (in `coursevault worker`): the job
worker and periodic maintenance such as sweeping expired uploads."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from coursevault.auth import links
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.gifts import jobs as gift_jobs
from coursevault.jobs.models import JobType
from coursevault.jobs.worker import Worker
from coursevault.mail import jobs as mail_jobs
from coursevault.media import jobs as media_jobs
from coursevault.media import uploads as media_uploads
from coursevault.teams import jobs as team_jobs
from coursevault.transcripts import jobs as transcripts_jobs
from coursevault.transcripts import service as transcripts

log = logging.getLogger(__name__)

# Every job type the platform runs; a worker takes exactly these kinds.
JOB_TYPES: tuple[JobType, ...] = (
    media_jobs.TRANSCODE,
    mail_jobs.SEND,
    *links.JOB_TYPES,
    transcripts_jobs.TRANSCRIBE,
    gift_jobs.MAIL_CLAIM_LINK,
    team_jobs.MAIL_INVITATION,
)

# What runs once a new video is ready, in order; media calls them without knowing them.
READY_HOOKS: tuple[media_jobs.ReadyHook, ...] = (transcripts.after_ready,)
media_jobs.on_ready(READY_HOOKS)


async def maintenance(*, db: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Sweeps expired uploads every `COURSEVAULT_UPLOAD_SWEEP_SECONDS` until STOP is set."""
    while not stop.is_set():
        try:
            swept = await media_uploads.sweep_expired_uploads(db=db, settings=settings)
            if swept:
                log.info("removed %s expired uploads", swept)
        except Exception:
            log.exception("maintenance failed; will try again")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(settings.upload_sweep_seconds):
                await stop.wait()


def start(*, db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """Starts a job worker and the maintenance loop; they end when STOP is set."""
    worker = Worker(db=db, settings=settings, job_types=JOB_TYPES)
    return [
        asyncio.create_task(worker.run_forever(stop), name="job-worker"),
        asyncio.create_task(maintenance(db=db, settings=settings, stop=stop), name="maintenance"),
    ]
