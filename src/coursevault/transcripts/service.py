"""Automatic captions: asking for them (after a video is ready, from the studio, from the
CLI) and what the studio shows of their progress."""

from __future__ import annotations

import logging
import secrets

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.jobs import service as jobs
from coursevault.media import errors as media_errors
from coursevault.media.models import Video, VideoStatus
from coursevault.transcripts import errors, model_dir
from coursevault.transcripts import repo as transcripts_repo
from coursevault.transcripts.jobs import TRANSCRIBE, TranscribePayload, entity
from coursevault.transcripts.models import Transcription, TranscriptionRead, TranscriptionState

log = logging.getLogger(__name__)

ACTIVE = (TranscriptionState.queued, TranscriptionState.running)
RETRYABLE = (TranscriptionState.failed, TranscriptionState.unavailable)


def to_read(found: Transcription | None) -> TranscriptionRead:
    if found is None:
        return TranscriptionRead(
            state=TranscriptionState.none,
            progress=0.0,
            language=None,
            cue_count=0,
            message=None,
            model=None,
            updated_at=None,
        )
    return TranscriptionRead(**found.model_dump(exclude={"id", "job_id"}))


async def status(*, db: Database, video_id: str) -> TranscriptionRead:
    """Where VIDEO_ID's automatic captions are."""
    return to_read(await transcripts_repo.get(db=db, video_id=video_id))


async def request(*, db: Database, settings: Settings, video: Video) -> TranscriptionRead:
    """Queues VIDEO's transcription (again); one already waiting or running is kept.
    409 when the video is not ready, or no speech model is usable here."""
    if video.status is not VideoStatus.ready:
        raise media_errors.video_not_ready()
    try:
        model_dir.locate(settings.captions_model)
    except model_dir.ModelUnavailable as exc:
        await transcripts_repo.record(
            db=db, video_id=video.id, state=TranscriptionState.unavailable.value, message=str(exc)
        )
        raise errors.transcription_unavailable(str(exc)) from None
    current = await transcripts_repo.get(db=db, video_id=video.id)
    if current is not None and current.state in ACTIVE:
        return to_read(current)
    await _queue(db=db, video=video)
    return await status(db=db, video_id=video.id)


async def after_ready(*, db: Database, settings: Settings, video: Video) -> None:
    """Queues a new ready video's captions when `COURSEVAULT_CAPTIONS_AUTO` is on; without a
    usable model the studio is told why instead (no job is queued to fail)."""
    if not settings.captions_auto:
        return
    try:
        model_dir.locate(settings.captions_model)
    except model_dir.ModelUnavailable as exc:
        await transcripts_repo.record(
            db=db, video_id=video.id, state=TranscriptionState.unavailable.value, message=str(exc)
        )
        log.warning("no automatic captions for video %s: %s", video.id, exc)
        return
    await _queue(db=db, video=video)


async def _queue(*, db: Database, video: Video) -> None:
    # Recorded as queued before the job exists, under the job's id, so a worker that takes
    # it at once cannot be overwritten by this record.
    once = f"{video.id}-{secrets.token_hex(4)}"
    await transcripts_repo.record(
        db=db,
        video_id=video.id,
        state=TranscriptionState.queued.value,
        progress=0.0,
        message=None,
        job_id=f"{TRANSCRIBE.kind}:{once}",
    )
    await jobs.enqueue(
        db=db,
        job_type=TRANSCRIBE,
        payload=TranscribePayload(video_id=video.id),
        entity=entity(video.id),
        once=once,
    )


async def needing_captions(*, db: Database, videos: list[Video]) -> list[Video]:
    """The VIDEOS whose automatic captions were never made, or failed or could not be."""
    wanted = []
    for video in videos:
        found = await transcripts_repo.get(db=db, video_id=video.id)
        if found is None or found.state in RETRYABLE:
            wanted.append(video)
    return wanted
