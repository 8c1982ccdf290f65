"""The transcode job: probe, one ffmpeg process for the clear ladder, our packager for the
rotating keys, poster, key material, publish. The same job re-packages a ready video
from its original (`coursevault video repackage`) without taking it offline."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from coursevault import clock, metrics
from coursevault.db import Database
from coursevault.ffmpeg import command, packager, runner
from coursevault.ffmpeg import storyboard as boards
from coursevault.ffmpeg.ladder import Rendition, plan_renditions
from coursevault.ffmpeg.probe import Limits, ProbeRejected, ProbeResult, probe, start_pts
from coursevault.forensic import mark, reference, variants
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobContext, JobType, PermanentJobError
from coursevault.media import keys as content_keys
from coursevault.media import mails
from coursevault.media import repo as media_repo
from coursevault.media.models import Video, VideoStatus
from coursevault.media.storage import storage

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
STORYBOARD_TIMEOUT_SECONDS = 120.0  # tiling at most 100 small JPEGs


class TranscodePayload(BaseModel):
    video_id: str
    repackage: bool = False  # a ready video encoded again; it stays playable meanwhile
    forensic: bool = False  # also write the forensic variants (they stay once written)


def _working_status(payload: TranscodePayload) -> VideoStatus:
    return VideoStatus.ready if payload.repackage else VideoStatus.processing


async def mark_failed(ctx: JobContext, message: str) -> None:
    """Moves the video to `failed` with a sentence a person understands; a failed
    re-package only records the message (the published output still plays)."""
    payload = TranscodePayload.model_validate(ctx.payload)
    fields: dict[str, Any] = {"error": message}
    if not payload.repackage:
        fields["status"] = VideoStatus.failed.value
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


def _progress_writer(
    ctx: JobContext, payload: TranscodePayload, duration: float
) -> runner.ProgressCallback:
    async def write(progress: runner.Progress) -> None:
        fraction = min(0.99, progress.out_time_seconds / duration) if duration else 0.0
        await media_repo.update_video(
            db=ctx.db,
            video_id=payload.video_id,
            expect={"status": _working_status(payload).value},
            progress=round(fraction, 4),
        )

    return write


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
        fields["status"] = VideoStatus.processing.value
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
    video_id = video.id
    renditions = plan_renditions(probed.width, probed.height)
    board = boards.plan(probed.duration, probed.width, probed.height)
    forensic = payload.forensic or video.forensic_requested or video.forensic is not None
    seed = secrets.token_hex(16) if forensic else None
    patterns = await asyncio.to_thread(_write_patterns, seed, renditions, work)
    # Clear segments exist only in the job's private scratch dir, never under media/.
    clear, output = work / "clear", work / "out"
    clear.mkdir(mode=0o700)
    output.mkdir(mode=0o700)
    job = command.HlsJob(
        source=source,
        demuxer=probed.demuxer,
        has_audio=probed.audio_codec is not None,
        renditions=renditions,
        output_dir=clear,
        preset=ctx.settings.x264_preset,
        storyboard=board,
        patterns=patterns,
        hold_picture=probed.picture_gap,
    )
    await runner.run(
        command.hls_ladder_args(job),
        timeout=ctx.settings.ffmpeg_timeout_seconds,
        on_progress=_progress_writer(ctx, payload, probed.duration),
        progress_every=PROGRESS_EVERY_SECONDS,
    )
    await write_poster(job.source, probed.demuxer, output / command.POSTER, probed.duration)
    has_storyboard = await _storyboard(board, probed.duration, clear, output)
    lowest = renditions[0].name + ("_a" if forensic else "")
    start = await asyncio.to_thread(start_pts, clear / f"{lowest}_00000.ts")
    if forensic:
        built = await asyncio.to_thread(_forensic_reference, clear, renditions[0].name, probed)
        reference.write(built, output)
    secret = content_keys.VideoSecret.new(rotation=ctx.settings.key_rotation_segments)
    packaged = await asyncio.to_thread(
        packager.package,
        clear,
        output,
        rotation=secret.rotation,
        key_of=lambda period: content_keys.period_key(secret.secret, video_id, period),
    )
    shutil.rmtree(clear)
    bandwidths = packager.bandwidths(output / command.MASTER_PLAYLIST)
    if forensic:
        bandwidths = {name.removesuffix("_a"): rate for name, rate in bandwidths.items()}
        variants.finish(output)
    stored = content_keys.wrap(
        ctx.settings,
        video_id,
        content_keys.VideoSecret(
            secret=secret.secret, rotation=secret.rotation, periods=packaged.periods
        ),
    )
    # Segments and key material are replaced one after the other: a viewer watching a
    # video while it is re-packaged may hit one segment it cannot decrypt and has to
    # start the lesson again. New videos are not playable before the final update.
    store = storage(ctx.settings)
    generation = f"{video.fence}-{secrets.token_hex(3)}"
    working = {"status": _working_status(payload).value, "fence": video.fence}
    current = await media_repo.get_video(db=ctx.db, video_id=video_id)
    if current is None or current.fence != video.fence:
        log.warning("video %s: gone or taken over by a newer attempt; not publishing", video_id)
        return
    await store.publish(video_id, output, generation)
    await media_repo.save_key(db=ctx.db, video_id=video_id, stored=stored, fence=video.fence)
    updated = await media_repo.update_video(
        db=ctx.db,
        video_id=video_id,
        expect=working,
        generation=generation,
        status=VideoStatus.ready.value,
        progress=1.0,
        error=None,
        duration=round(probed.duration, 3),
        width=probed.width,
        height=probed.height,
        renditions=[_rendition_doc(r, bandwidths) for r in renditions],
        start_pts=start,
        storyboard=has_storyboard,
        forensic=seed,
        ready_at=clock.now(),
    )
    if updated is None:
        current = await media_repo.get_video(db=ctx.db, video_id=video_id)
        if current is None:  # deleted while we worked: take the output away again
            await store.delete_video(video_id)
            await media_repo.delete_video(db=ctx.db, video_id=video_id)
        else:  # fenced out meanwhile: only this attempt's own output goes
            await store.discard_generation(video_id, generation)
        return
    await store.retire(
        video_id, keep={generation, *([video.generation] if video.generation else [])}
    )
    if updated.forensic_requested and updated.forensic is None:
        # Asked for while this attempt was already encoding without them.
        await queue_forensic(db=ctx.db, video=updated)
    if not payload.repackage:
        await _announce(ctx, updated, error=None)
    log.info(
        "video %s %s: %s, %d key periods",
        video_id,
        "re-packaged" if payload.repackage else "ready",
        ", ".join(r.name for r in renditions),
        packaged.periods,
    )


def _write_patterns(seed: str | None, renditions: list[Rendition], work: Path) -> tuple[Path, ...]:
    """The raw frames ffmpeg blends into each rendition's variants (none without SEED)."""
    if seed is None:
        return ()
    sizes = [(r.name, r.width, r.height) for r in renditions]
    return mark.write_frames(mark.Pattern.of(seed), sizes, work)


def _forensic_reference(clear: Path, lowest: str, probed: ProbeResult) -> reference.Reference:
    return reference.build(
        sorted(clear.glob(f"{lowest}_a_*.ts")),
        sorted(clear.glob(f"{lowest}_b_*.ts")),
        probed.frame_rate,
    )


async def _storyboard(board: boards.Storyboard, duration: float, clear: Path, output: Path) -> bool:
    """Tiles the frames the transcode wrote into the sprite beside its WebVTT track; False
    if that fails (a missing storyboard costs the seek previews, never the video)."""
    try:
        await runner.run(boards.sprite_args(board, clear), timeout=STORYBOARD_TIMEOUT_SECONDS)
    except runner.FFmpegFailed as exc:
        log.warning("no storyboard for %s: %s", clear.parent.name, exc)
        return False
    image = clear / boards.IMAGE
    if not await asyncio.to_thread(_written, image):
        log.warning("no storyboard was written for %s", clear.parent.name)
        return False
    image.rename(output / boards.IMAGE)
    (output / boards.TRACK).write_text(boards.track(board, duration))
    return True


def _rendition_doc(rendition: Rendition, bandwidths: dict[str, int]) -> dict[str, object]:
    return {
        "name": rendition.name,
        "width": rendition.width,
        "height": rendition.height,
        "bandwidth": bandwidths.get(rendition.name, rendition.video_kbps * 1000),
    }


def entity(video_id: str) -> str:
    return f"video:{video_id}"


async def queue_forensic(*, db: Database, video: Video) -> None:
    """Queues a ready video's re-encode with forensic variants (once per fence)."""
    await jobs.enqueue(
        db=db,
        job_type=TRANSCODE,
        payload=TranscodePayload(video_id=video.id, repackage=True, forensic=True),
        entity=entity(video.id),
        once=f"forensic-{video.id}-{video.fence}",
    )


TRANSCODE = JobType(
    kind="transcode",
    handler=transcode,
    on_failure=mark_failed,
    max_attempts=3,
    backoff_seconds=15,
    lease_seconds=30,
)


async def write_poster(source: Path, demuxer: str, poster: Path, duration: float) -> None:
    """The poster: the frame at 1 s, else the first frame. A video whose picture track is
    shorter than its sound has no frame at 1 s; it still plays, so a poster that cannot
    be made is logged, never a reason to fail the video."""
    for at in dict.fromkeys((min(1.0, duration / 2), 0.0)):
        try:
            await runner.run(command.poster_args(source, demuxer, poster, at), timeout=120)
        except runner.FFmpegFailed as exc:
            log.warning("no poster frame at %.1f s of %s: %s", at, source.name, exc)
            continue
        if await asyncio.to_thread(_written, poster):
            return
    log.warning("%s has no poster", source.name)


def _written(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0
