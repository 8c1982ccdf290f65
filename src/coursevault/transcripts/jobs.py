"""The transcription job: its payload, its type and its handler, which turns a ready
video's speech into an automatic caption track. It never touches the video itself, so its
failure never fails the video, and it runs on any worker (the original comes through the
store, the speech model from `COURSEVAULT_CAPTIONS_MODEL` on that worker)."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from coursevault.captions import service as captions
from coursevault.jobs.models import JobContext, JobType, PermanentJobError
from coursevault.media import service as media
from coursevault.media import stores as media_stores
from coursevault.media.models import Video, VideoStatus
from coursevault.transcripts import cues, model_dir, speech
from coursevault.transcripts import repo as transcripts_repo
from coursevault.transcripts.models import TranscriptionState

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 2.0
NO_AUDIO = "The video has no audio track, so there is nothing to caption."
NO_SPEECH = "No speech was found in the audio (silence or music); no captions were made."
TAKEN = "The video already has captions in {language} that you made or approved; they were kept."


class TranscribePayload(BaseModel):
    video_id: str


async def record(ctx: JobContext, video_id: str, state: TranscriptionState, **fields: Any) -> None:
    await transcripts_repo.record(
        db=ctx.db, video_id=video_id, state=state.value, job_id=ctx.job_id, **fields
    )


async def mark_failed(ctx: JobContext, message: str) -> None:
    """Records why the captions could not be made; the video stays as it is."""
    payload = TranscribePayload.model_validate(ctx.payload)
    await record(ctx, payload.video_id, TranscriptionState.failed, message=message, progress=0.0)


async def transcribe(ctx: JobContext) -> None:
    """Transcribes a ready video's audio into its automatic caption track."""
    payload = TranscribePayload.model_validate(ctx.payload)
    video = await media.get_video(db=ctx.db, video_id=payload.video_id)
    if video is None or video.status is not VideoStatus.ready:
        log.info("video %s is gone or not ready; no captions", payload.video_id)
        return
    try:
        model = model_dir.locate(ctx.settings.captions_model)
    except model_dir.ModelUnavailable as exc:
        # Not the job's failure, and no retry helps until the operator acts.
        await record(ctx, video.id, TranscriptionState.unavailable, message=str(exc))
        return
    await record(ctx, video.id, TranscriptionState.running, progress=0.0, model=model.name)
    try:
        found = await _speech(ctx, video)
    except speech.SpeechFailed as exc:
        await _failed(ctx, video, exc)
        return
    await _store(ctx, video, found, model.name)


async def _speech(ctx: JobContext, video: Video) -> speech.Speech:
    settings = ctx.settings
    store = media_stores.storage(settings)
    last = 0.0

    async def progress(fraction: float) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
            last = time.monotonic()
            await transcripts_repo.record_progress(
                db=ctx.db, video_id=video.id, job_id=ctx.job_id, progress=round(fraction, 4)
            )

    # The original is read where it is (local storage) or fetched into this scratch
    # directory (object storage); the transcode's own work directory is never shared.
    with tempfile.TemporaryDirectory(prefix="captions-", dir=settings.data_dir) as work:
        async with store.original_file(video.id, work=Path(work)) as source:
            return await speech.transcribe(
                source,
                model=settings.captions_model,
                device=settings.captions_device,
                threads=settings.captions_threads,
                language=settings.captions_language,
                timeout=settings.captions_timeout_seconds,
                on_progress=progress,
            )


async def _failed(ctx: JobContext, video: Video, exc: speech.SpeechFailed) -> None:
    if exc.kind == "no_audio":
        await record(ctx, video.id, TranscriptionState.skipped, message=NO_AUDIO, progress=1.0)
    elif exc.kind == "model":
        await record(ctx, video.id, TranscriptionState.unavailable, message=str(exc))
    elif exc.kind == "audio":
        raise PermanentJobError(f"The audio cannot be decoded: {exc}") from exc
    else:
        raise RuntimeError(str(exc)) from exc  # a crash or a timeout: tried again


async def _store(ctx: JobContext, video: Video, found: speech.Speech, model: str) -> None:
    made = cues.cut(found.words)
    done: dict[str, Any] = {"progress": 1.0, "language": found.language, "model": model}
    if not made:
        await record(ctx, video.id, TranscriptionState.done, message=NO_SPEECH, cue_count=0, **done)
        return
    saved = await captions.save_automatic(
        db=ctx.db,
        video_id=video.id,
        language=found.language,
        name=language_name(found.language),
        cues=made,
    )
    if saved is None:
        message = TAKEN.format(language=found.language)
        await record(ctx, video.id, TranscriptionState.skipped, message=message, **done)
        return
    await record(ctx, video.id, TranscriptionState.done, message=None, cue_count=len(made), **done)
    log.info("video %s: %d automatic %s cues", video.id, len(made), found.language)


# Whisper's languages people meet most; others are labelled by their tag.
_NAMES = {
    "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
    "pt": "Português", "nl": "Nederlands", "pl": "Polski", "sv": "Svenska", "ru": "Русский",
    "uk": "Українська", "tr": "Türkçe", "ja": "日本語", "zh": "中文", "ko": "한국어",
}  # fmt: skip


def language_name(language: str) -> str:
    return _NAMES.get(language.split("-")[0], language)


def entity(video_id: str) -> str:
    # The video's own entity: deleting the video cancels its transcription too.
    return media.entity(video_id)


TRANSCRIBE = JobType(
    kind="transcribe",
    handler=transcribe,
    on_failure=mark_failed,
    max_attempts=2,
    backoff_seconds=30,
    lease_seconds=60,
)
