"""The transcode job: its payload, its type and its handler, which probes the original
and runs the steps of `pipeline.py` (one ffmpeg process for the clear ladder, poster,
storyboard, forensic reference, our packager for the rotating keys, publish). The same
job re-packages a ready video from its original (`coursevault video repackage`) without
taking it offline."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from coursevault import metrics
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.ffmpeg import runner
from coursevault.ffmpeg.probe import Limits, ProbeRejected, ProbeResult, probe
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobContext, JobType, PermanentJobError
from coursevault.media import mails, pipeline
from coursevault.media import repo as media_repo
from coursevault.media.models import Video, VideoStatus
from coursevault.media.stores import storage

log = logging.getLogger(__name__)


class ReadyHook(Protocol):
    """What a feature above media does once a new video is ready (transcripts queues its
    automatic captions)."""

    async def __call__(self, *, db: Database, settings: Settings, video: Video) -> None: ...


# Media cannot import the features above it: the wiring floor lists their hooks
# (`background_work.READY_HOOKS`) and hands them over here, as it hands workers job types.
_ready_hooks: list[ReadyHook] = []


def on_ready(hooks: Sequence[ReadyHook]) -> None:
    """Sets what runs after every new video is published."""
    _ready_hooks[:] = hooks


class TranscodePayload(BaseModel):
    video_id: str
    repackage: bool = False  # a ready video encoded again; it stays playable meanwhile
    forensic: bool = False  # also write the forensic variants (they stay once written)


async def mark_failed(ctx: JobContext, message: str) -> None:
    """Moves the video to `failed` with a sentence a person understands; a failed
    re-package only records the message (the published output still plays)."""
    payload = TranscodePayload.model_validate(ctx.payload)
    fields: dict[str, Any] = {"error": message}
    if not payload.repackage:
        # An early rendition stops playing too: its EVENT playlist would never end.
        fields |= {"status": VideoStatus.failed.value, "playable": False}
    if payload.forensic:
        fields["forensic_requested"] = False  # so that asking again tries again
    video = await media_repo.update_video(db=ctx.db, video_id=payload.video_id, **fields)
    if video is not None and not payload.repackage:
        await _announce(ctx, video, error=message)


async def _announce(ctx: JobContext, video: Video, error: str | None) -> None:
    await mails.announce(
        db=ctx.db,
        settings=ctx.settings,
        owner_id=video.owner_id,
        video_id=video.id,
        title=video.title,
        error=error,
    )


async def transcode(ctx: JobContext) -> None:
    """Probes the original, encodes the clear ladder, packages it encrypted, publishes."""
    payload = TranscodePayload.model_validate(ctx.payload)
    video_id = payload.video_id
    fields: dict[str, Any] = {"progress": 0.0, "error": None}
    if payload.repackage:
        expect: dict[str, Any] = {"status": VideoStatus.ready.value}
    else:
        states = [VideoStatus.queued.value, VideoStatus.processing.value]
        expect = {"status": {"$in": states}}
        # An earlier attempt's early rendition goes: this attempt makes a new secret.
        fields |= {"status": VideoStatus.processing.value, "playable": False}
    video = await media_repo.start_work(db=ctx.db, video_id=video_id, expect=expect, **fields)
    if video is None:
        log.info("video %s is gone or not in a state to encode; nothing to do", video_id)
        return
    store = storage(ctx.settings)
    limits = Limits(max_duration_seconds=ctx.settings.max_video_duration_seconds)
    work = store.fresh_work_dir(video_id)
    started = time.monotonic()
    try:
        async with store.original_file(video_id, work) as source:
            try:
                probed = await asyncio.to_thread(probe, source, limits)
            except ProbeRejected as exc:
                raise PermanentJobError(str(exc)) from exc
            await _encode(ctx, payload, video, probed, source, work)
        metrics.TRANSCODE_SECONDS.observe(time.monotonic() - started)
    except runner.FFmpegFailed as exc:
        if exc.permanent:
            raise PermanentJobError(str(exc)) from exc
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _encode(
    ctx: JobContext,
    payload: TranscodePayload,
    video: Video,
    probed: ProbeResult,
    source: Path,
    work: Path,
) -> None:
    """Runs the pipeline's steps; once published, queues the variants asked for meanwhile
    and tells the owner their video is ready."""
    plan = await pipeline.plan(
        ctx.settings,
        video,
        probed,
        source,
        work,
        repackage=payload.repackage,
        forensic=payload.forensic,
    )
    early = await pipeline.encode(ctx, plan)
    extras = await pipeline.extras(plan)
    renditions = await pipeline.choose(plan, early)
    packaged = await pipeline.package(ctx, plan, renditions, early)
    updated = await pipeline.publish(ctx, plan, extras, packaged)
    if updated is None:
        return
    if updated.forensic_requested and updated.forensic is None:
        # Asked for while this attempt was already encoding without them.
        await queue_forensic(db=ctx.db, video=updated)
    if not payload.repackage:
        await _announce(ctx, updated, error=None)
        await _after_ready(ctx, updated)
    log.info(
        "video %s %s: %s, %d key periods",
        video.id,
        "re-packaged" if payload.repackage else "ready",
        ", ".join(r.name for r in packaged.renditions),
        packaged.periods,
    )


async def _after_ready(ctx: JobContext, video: Video) -> None:
    for hook in _ready_hooks:
        try:
            await hook(db=ctx.db, settings=ctx.settings, video=video)
        except Exception:
            # The video is published: what follows it never fails it (nor runs it again).
            log.exception("video %s: a step after it became ready failed", video.id)


def entity(video_id: str) -> str:
    return f"video:{video_id}"


async def queue_forensic(*, db: Database, video: Video, rank: int = 0) -> None:
    """Queues a ready video's re-encode with forensic variants (once per fence); a higher
    RANK is taken after a lower one queued at the same time."""
    await jobs.enqueue(
        db=db,
        job_type=TRANSCODE,
        payload=TranscodePayload(video_id=video.id, repackage=True, forensic=True),
        entity=entity(video.id),
        once=f"forensic-{video.id}-{video.fence}",
        # Workers take due jobs by `run_at`; jobs queued in one loop can share its
        # millisecond (BSON dates), so the rank spaces them one millisecond apart.
        after=timedelta(milliseconds=rank),
    )


TRANSCODE = JobType(
    kind="transcode",
    handler=transcode,
    on_failure=mark_failed,
    max_attempts=3,
    backoff_seconds=15,
    lease_seconds=30,
)
