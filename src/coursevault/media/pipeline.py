"""The transcode's steps, in the order `jobs.transcode` runs them: `plan` the ladder,
`encode` it in one ffmpeg run (a new upload's first rendition is published while it runs:
`first_play.py`), make the `extras` (poster, storyboard, forensic reference), `choose` the
rungs worth listing, `package` the clear segments encrypted, `publish` under the
attempt's fence.

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
from coursevault.config import LadderKind, Settings
from coursevault.ffmpeg import command, measure, packager, runner
from coursevault.ffmpeg import storyboard as boards
from coursevault.ffmpeg.ladder import FIRST_PLAY_SHORT_SIDE, Rendition, plan_renditions
from coursevault.ffmpeg.probe import ProbeResult, start_pts
from coursevault.jobs.models import JobContext
from coursevault.media import first_play
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
    secret: content_keys.VideoSecret  # new; its period keys encrypt every segment
    adaptive: bool  # rungs at capped constant quality (False: the fixed ladder)
    # The rendition published while the rest encodes (a new upload; first_play.py).
    early: Rendition | None = None

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
    renditions: list[Rendition]  # those the master playlist lists


def ladder_kind(settings: Settings, *, forensic: bool) -> LadderKind:
    """How a video's ladder is encoded: COURSEVAULT_LADDER, except that forensic variants
    keep the fixed rates their tracing was measured with (docs/performance.md): at
    constant quality a flat slide gets so few bits that the mark could be quantised away."""
    return LadderKind.fixed if forensic else settings.ladder


def first_play_rendition(renditions: list[Rendition]) -> Rendition:
    """The rung published first: the largest up to FIRST_PLAY_SHORT_SIDE (360p)."""
    fitting = [r for r in renditions if min(r.width, r.height) <= FIRST_PLAY_SHORT_SIDE]
    return (fitting or renditions)[-1]


async def plan(
    settings: Settings,
    video: Video,
    probed: ProbeResult,
    source: Path,
    work: Path,
    *,
    repackage: bool,
    forensic: bool,
) -> Plan:
    """Chooses the ladder and the storyboard. Forensic variants are written when asked for
    now or earlier, or when the video has them already; their pattern frames go in WORK."""
    renditions = plan_renditions(probed.width, probed.height)
    board = boards.plan(probed.duration, probed.width, probed.height)
    forensic = forensic or video.forensic_requested or video.forensic is not None
    seed = secrets.token_hex(16) if forensic else None
    # First play: only a new upload has nothing to play yet; a video with forensic
    # variants plays them or nothing (F7), so it waits for its whole ladder; a short one's
    # whole ladder is ready about as soon as its first segments would be.
    early = None
    if (
        settings.first_play
        and not repackage
        and seed is None
        and probed.duration >= settings.first_play_min_seconds
    ):
        early = first_play_rendition(renditions)
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
        secret=content_keys.VideoSecret.new(rotation=settings.key_rotation_segments),
        adaptive=ladder_kind(settings, forensic=seed is not None) is LadderKind.adaptive,
        early=early,
    )


async def encode(ctx: JobContext, plan: Plan) -> first_play.FirstPlay | None:
    """Runs the one ffmpeg process that writes the whole ladder (each rendition twice, A
    and B, with forensic variants) and the storyboard's frames, writing progress; with an
    early rendition, publishes it as its segments come (returned, to finish it)."""
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
        adaptive=plan.adaptive,
    )
    early = first_play.FirstPlay(ctx, plan) if plan.early else None
    run = runner.run(
        command.hls_ladder_args(job),
        timeout=ctx.settings.ffmpeg_timeout_seconds,
        on_progress=_progress_writer(ctx, plan, early),
        progress_every=PROGRESS_EVERY_SECONDS,
    )
    if early is None:
        await run
        return None
    await early.alongside(run)
    return early


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


async def choose(plan: Plan, early: first_play.FirstPlay | None) -> list[Rendition]:
    """The rungs the master playlist lists: with the adaptive ladder, those that show the
    viewer more than the kept rung below them (ffmpeg/measure.py); the early rendition
    always stays, since its viewers fetch its playlist."""
    if not plan.adaptive or len(plan.renditions) < 2:
        return plan.renditions
    protected = {plan.early.name} if plan.early and early and early.published else set()
    decision = await measure.keep_rungs(plan.clear, plan.renditions, protected=protected)
    kept = [r for r in plan.renditions if r.name in decision.kept]
    if len(kept) < len(plan.renditions):
        log.info(
            "video %s: %s add nothing over the rung below (SSIM %s); not listed",
            plan.video.id,
            ", ".join(r.name for r in plan.renditions if r not in kept),
            decision.similarity,
        )
    return kept


async def package(
    ctx: JobContext,
    plan: Plan,
    renditions: list[Rendition],
    early: first_play.FirstPlay | None = None,
) -> Packaged:
    """Encrypts the clear segments of RENDITIONS with the plan's secret's period keys into
    the output (the early rendition's are already there), writes the playlists and the
    master with the measured rates, then drops the clear segments; the secret comes back
    wrapped."""
    video_id, output, secret = plan.video.id, plan.output, plan.secret
    wanted = {r.name for r in renditions}
    done = await early.finish(keep=early.rendition.name in wanted) if early else {}
    written = await asyncio.to_thread(
        packager.package,
        plan.clear,
        output,
        rotation=secret.rotation,
        key_of=lambda period: content_keys.period_key(secret.secret, video_id, period),
        keep=lambda name: name.removesuffix("_a").removesuffix("_b") in wanted,
        done=done,
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
    return Packaged(
        stored=stored, bandwidths=bandwidths, periods=written.periods, renditions=renditions
    )


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
    # The generation viewers of an early rendition were sent to stays until the next
    # publish, as the one before a re-package does: every file they hold is in this one
    # too, but a node may still name it for GENERATION_CACHE_SECONDS.
    previous = {name for name in (video.generation, early_generation(plan)) if name}
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
    await store.retire(video.id, keep={generation, *previous})
    return updated


def early_generation(plan: Plan) -> str | None:
    """The name of the attempt's early output (object storage), if it has one."""
    return first_play.generation_of(plan.video) if plan.early else None


def _ready_fields(plan: Plan, extras: Extras, packaged: Packaged) -> dict[str, Any]:
    probed = plan.probed
    return {
        "status": VideoStatus.ready.value,
        "playable": True,
        "ladder": LadderKind.adaptive.value if plan.adaptive else LadderKind.fixed.value,
        "progress": 1.0,
        "error": None,
        "duration": round(probed.duration, 3),
        "width": probed.width,
        "height": probed.height,
        "renditions": [_rendition_doc(r, packaged.bandwidths) for r in packaged.renditions],
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


def _progress_writer(
    ctx: JobContext, plan: Plan, early: first_play.FirstPlay | None
) -> runner.ProgressCallback:
    duration = plan.probed.duration

    async def write(progress: runner.Progress) -> None:
        if early is not None:
            early.speed = progress.speed
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
