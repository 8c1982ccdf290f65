"""The transcode's steps, in the order `jobs.transcode` runs them: `plan` the ladder,
`encode` it in one ffmpeg run, make the `extras` (poster, storyboard, forensic
reference), `package` the clear segments encrypted, `publish` under the attempt's fence.

Clear segments exist only in the job's private scratch directory, never under media/.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursevault import clock
from coursevault.ffmpeg import command, packager, runner
from coursevault.ffmpeg import storyboard as boards
from coursevault.ffmpeg.ladder import Rendition, plan_renditions
from coursevault.ffmpeg.probe import ProbeResult, start_pts
from coursevault.jobs.models import JobContext
from coursevault.media import keys as content_keys
from coursevault.media import repo as media_repo
from coursevault.media.models import StoredKey, Video, VideoStatus
from coursevault.media.stores import storage
from coursevault.watermark import mark, reference, variants

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
STORYBOARD_TIMEOUT_SECONDS = 120.0  # tiling at most 100 small JPEGs


@dataclass(frozen=True)
class Plan:
    """What one attempt encodes, from where, and into which scratch directories."""

    video: Video  # as the attempt found it: its fence guards the publish
    probed: ProbeResult
    source: Path
    working: VideoStatus  # the video's status while the attempt works
    renditions: list[Rendition]
    board: boards.Storyboard
    seed: str | None  # the forensic pattern's seed; None: no variants
    patterns: tuple[Path, ...]  # the raw frames ffmpeg blends into the variants
    clear: Path  # ffmpeg's clear segments
    output: Path  # what is published

    @property
    def forensic(self) -> bool:
        return self.seed is not None


@dataclass(frozen=True)
class Extras:
    storyboard: bool  # whether the sprite and its track were written
    start_pts: int | None  # the segments' first timestamp (90 kHz), for captions


@dataclass(frozen=True)
class Packaged:
    stored: StoredKey  # the wrapped video secret
    bandwidths: dict[str, int]  # per rendition, as the master playlist states them
    periods: int  # key periods


async def plan(
    video: Video, probed: ProbeResult, source: Path, work: Path, *, repackage: bool, forensic: bool
) -> Plan:
    """Chooses the ladder and the storyboard. Forensic variants are written when asked for
    now or earlier, or when the video has them already; their pattern frames go in WORK."""
    renditions = plan_renditions(probed.width, probed.height)
    board = boards.plan(probed.duration, probed.width, probed.height)
    forensic = forensic or video.forensic_requested or video.forensic is not None
    seed = secrets.token_hex(16) if forensic else None
    patterns = await asyncio.to_thread(_write_patterns, seed, renditions, work)
    clear, output = work / "clear", work / "out"
    clear.mkdir(mode=0o700)
    output.mkdir(mode=0o700)
    working = VideoStatus.ready if repackage else VideoStatus.processing
    return Plan(
        video=video,
        probed=probed,
        source=source,
        working=working,
        renditions=renditions,
        board=board,
        seed=seed,
        patterns=patterns,
        clear=clear,
        output=output,
    )


async def encode(ctx: JobContext, plan: Plan) -> None:
    """Runs the one ffmpeg process that writes the whole ladder (each rendition twice, A
    and B, with forensic variants) and the storyboard's frames, writing progress."""
    probed = plan.probed
    job = command.HlsJob(
        source=plan.source,
        demuxer=probed.demuxer,
        has_audio=probed.audio_codec is not None,
        renditions=plan.renditions,
        output_dir=plan.clear,
        preset=ctx.settings.x264_preset,
        storyboard=plan.board,
        patterns=plan.patterns,
        hold_picture=probed.picture_gap,
    )
    await runner.run(
        command.hls_ladder_args(job),
        timeout=ctx.settings.ffmpeg_timeout_seconds,
        on_progress=_progress_writer(ctx, plan),
        progress_every=PROGRESS_EVERY_SECONDS,
    )


async def extras(plan: Plan) -> Extras:
    """The poster, the storyboard, where the segments' timeline starts and, with forensic
    variants, the reference tracing compares against (written beside the output)."""
    probed, clear, output = plan.probed, plan.clear, plan.output
    await write_poster(plan.source, probed.demuxer, output / command.POSTER, probed.duration)
    has_storyboard = await _storyboard(plan.board, probed.duration, clear, output)
    lowest = plan.renditions[0].name + ("_a" if plan.forensic else "")
    start = await asyncio.to_thread(start_pts, clear / f"{lowest}_00000.ts")
    if plan.forensic:
        built = await asyncio.to_thread(_forensic_reference, clear, plan.renditions[0].name, probed)
        reference.write(built, plan.output)
    return Extras(storyboard=has_storyboard, start_pts=start)


async def package(ctx: JobContext, plan: Plan) -> Packaged:
    """Encrypts the clear segments with a new secret's period keys into the output, writes
    the playlists, then drops the clear segments; the secret comes back wrapped."""
    video_id, output = plan.video.id, plan.output
    secret = content_keys.VideoSecret.new(rotation=ctx.settings.key_rotation_segments)
    written = await asyncio.to_thread(
        packager.package,
        plan.clear,
        output,
        rotation=secret.rotation,
        key_of=lambda period: content_keys.period_key(secret.secret, video_id, period),
    )
    shutil.rmtree(plan.clear)
    bandwidths = packager.bandwidths(output / command.MASTER_PLAYLIST)
    if plan.forensic:
        bandwidths = {name.removesuffix("_a"): rate for name, rate in bandwidths.items()}
        variants.finish(output)
    whole = content_keys.VideoSecret(
        secret=secret.secret, rotation=secret.rotation, periods=written.periods
    )
    stored = content_keys.wrap(ctx.settings, video_id, whole)
    return Packaged(stored=stored, bandwidths=bandwidths, periods=written.periods)


async def publish(ctx: JobContext, plan: Plan, extras: Extras, packaged: Packaged) -> Video | None:
    """Publishes the output as a new generation, stores its key and makes it current, as
    long as the attempt still holds the video's fence; returns the video, or None."""
    # Segments and key material are replaced one after the other: a viewer watching a
    # video while it is re-packaged may hit one segment it cannot decrypt and has to
    # start the lesson again. New videos are not playable before the final update.
    video, db = plan.video, ctx.db
    store = storage(ctx.settings)
    generation = f"{video.fence}-{secrets.token_hex(3)}"
    working = {"status": plan.working.value, "fence": video.fence}
    current = await media_repo.get_video(db=db, video_id=video.id)
    if current is None or current.fence != video.fence:
        log.warning("video %s: gone or taken over by a newer attempt; not publishing", video.id)
        return None
    await store.publish(video.id, plan.output, generation)
    await media_repo.save_key(db=db, video_id=video.id, stored=packaged.stored, fence=video.fence)
    ready = _ready_fields(plan, extras, packaged)
    updated = await media_repo.update_video(
        db=db, video_id=video.id, expect=working, generation=generation, **ready
    )
    if updated is None:
        await _withdraw(ctx, video.id, generation)
        return None
    await store.retire(
        video.id, keep={generation, *([video.generation] if video.generation else [])}
    )
    return updated


def _ready_fields(plan: Plan, extras: Extras, packaged: Packaged) -> dict[str, Any]:
    probed = plan.probed
    return {
        "status": VideoStatus.ready.value,
        "progress": 1.0,
        "error": None,
        "duration": round(probed.duration, 3),
        "width": probed.width,
        "height": probed.height,
        "renditions": [_rendition_doc(r, packaged.bandwidths) for r in plan.renditions],
        "start_pts": extras.start_pts,
        "storyboard": extras.storyboard,
        "forensic": plan.seed,
        "ready_at": clock.now(),
    }


async def _withdraw(ctx: JobContext, video_id: str, generation: str) -> None:
    """Takes back an output that never became current."""
    store = storage(ctx.settings)
    current = await media_repo.get_video(db=ctx.db, video_id=video_id)
    if current is None:  # deleted while we worked: take the output away again
        await store.delete_video(video_id)
        await media_repo.delete_video(db=ctx.db, video_id=video_id)
    else:  # fenced out meanwhile: only this attempt's own output goes
        await store.discard_generation(video_id, generation)


def _progress_writer(ctx: JobContext, plan: Plan) -> runner.ProgressCallback:
    duration = plan.probed.duration

    async def write(progress: runner.Progress) -> None:
        fraction = min(0.99, progress.out_time_seconds / duration) if duration else 0.0
        await media_repo.update_video(
            db=ctx.db,
            video_id=plan.video.id,
            expect={"status": plan.working.value},
            progress=round(fraction, 4),
        )

    return write


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
