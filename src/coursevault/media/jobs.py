"""The transcode job: probe, one-process encrypted HLS ladder, poster, key, publish."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import shutil
from pathlib import Path

from pydantic import BaseModel

from coursevault import clock
from coursevault.ffmpeg import command, runner
from coursevault.ffmpeg.ladder import Rendition, plan_renditions
from coursevault.ffmpeg.probe import Limits, ProbeRejected, ProbeResult, probe
from coursevault.jobs.models import JobContext, JobType, PermanentJobError
from coursevault.media import keys as content_keys
from coursevault.media import repo as media_repo
from coursevault.media.models import Video, VideoStatus
from coursevault.media.storage import storage

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
_STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:.*?BANDWIDTH=(\d+)")


class TranscodePayload(BaseModel):
    video_id: str


async def mark_failed(ctx: JobContext, message: str) -> None:
    """Moves the video to `failed` with a sentence a person understands."""
    await media_repo.update_video(
        db=ctx.db,
        video_id=TranscodePayload.model_validate(ctx.payload).video_id,
        status=VideoStatus.failed.value,
        error=message,
    )


def _bandwidths(master: Path) -> dict[str, int]:
    """Maps variant playlist name → BANDWIDTH from the master playlist ffmpeg wrote."""
    lines = master.read_text().splitlines()
    result = {}
    for line, uri in itertools.pairwise(lines):
        match = _STREAM_INF.match(line)
        if match:
            result[uri.strip().removesuffix(".m3u8")] = int(match.group(1))
    return result


def _progress_writer(ctx: JobContext, video_id: str, duration: float) -> runner.ProgressCallback:
    async def write(progress: runner.Progress) -> None:
        fraction = min(0.99, progress.out_time_seconds / duration) if duration else 0.0
        await media_repo.update_video(
            db=ctx.db,
            video_id=video_id,
            expect={"status": VideoStatus.processing.value},
            progress=round(fraction, 4),
        )

    return write


async def transcode(ctx: JobContext) -> None:
    """Probes the original, encodes the encrypted ladder and publishes it."""
    video_id = TranscodePayload.model_validate(ctx.payload).video_id
    video = await media_repo.update_video(
        db=ctx.db,
        video_id=video_id,
        expect={"status": {"$in": [VideoStatus.queued.value, VideoStatus.processing.value]}},
        status=VideoStatus.processing.value,
        progress=0.0,
        error=None,
    )
    if video is None:
        log.info("video %s is gone or not queued; nothing to do", video_id)
        return
    store = storage(ctx.settings)
    source = store.original(video_id)
    limits = Limits(max_duration_seconds=ctx.settings.max_video_duration_seconds)
    try:
        probed = await asyncio.to_thread(probe, source, limits)
    except ProbeRejected as exc:
        raise PermanentJobError(str(exc)) from exc
    work = store.fresh_work_dir(video_id)
    try:
        await _encode(ctx, video, probed, work)
    except runner.FFmpegFailed as exc:
        if exc.permanent:
            raise PermanentJobError(str(exc)) from exc
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _encode(ctx: JobContext, video: Video, probed: ProbeResult, work: Path) -> None:
    video_id = video.id
    renditions = plan_renditions(probed.width, probed.height)
    output, secret = work / "out", work / "secret"
    output.mkdir(mode=0o700)
    secret.mkdir(mode=0o700)
    key = content_keys.ContentKey.new()
    # The key file ffmpeg reads lives only in the job's secret dir, never beside the media.
    key_path = secret / "key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.key)
    key_info = secret / "keyinfo"
    key_info.write_text(command.key_info(command.KEY_URI, key_path, key.iv.hex()))

    job = command.HlsJob(
        source=storage(ctx.settings).original(video_id),
        demuxer=probed.demuxer,
        has_audio=probed.audio_codec is not None,
        renditions=renditions,
        output_dir=output,
        key_info_file=key_info,
        preset=ctx.settings.x264_preset,
    )
    await runner.run(
        command.hls_ladder_args(job),
        timeout=ctx.settings.ffmpeg_timeout_seconds,
        on_progress=_progress_writer(ctx, video_id, probed.duration),
        progress_every=PROGRESS_EVERY_SECONDS,
    )
    poster_at = min(1.0, probed.duration / 2)
    await runner.run(
        command.poster_args(job.source, probed.demuxer, output / command.POSTER, poster_at),
        timeout=120,
    )
    key_path.unlink()
    stored = content_keys.wrap(ctx.settings, video_id, key)
    await media_repo.save_key(db=ctx.db, video_id=video_id, stored=stored)
    bandwidths = _bandwidths(output / command.MASTER_PLAYLIST)
    storage(ctx.settings).publish(video_id, output)
    updated = await media_repo.update_video(
        db=ctx.db,
        video_id=video_id,
        expect={"status": VideoStatus.processing.value},
        status=VideoStatus.ready.value,
        progress=1.0,
        error=None,
        duration=round(probed.duration, 3),
        width=probed.width,
        height=probed.height,
        renditions=[_rendition_doc(r, bandwidths) for r in renditions],
        ready_at=clock.now(),
    )
    if updated is None:  # deleted while we worked: take the output away again
        storage(ctx.settings).delete_video(video_id)
        await media_repo.delete_video(db=ctx.db, video_id=video_id)
    log.info("video %s ready: %s", video_id, ", ".join(r.name for r in renditions))


def _rendition_doc(rendition: Rendition, bandwidths: dict[str, int]) -> dict[str, object]:
    return {
        "name": rendition.name,
        "width": rendition.width,
        "height": rendition.height,
        "bandwidth": bandwidths.get(rendition.name, rendition.video_kbps * 1000),
    }


TRANSCODE = JobType(
    kind="transcode",
    handler=transcode,
    on_failure=mark_failed,
    max_attempts=3,
    backoff_seconds=15,
    lease_seconds=30,
)
