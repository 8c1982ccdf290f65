"""First play: a new upload becomes playable while its ladder is still being encoded.

The one ffmpeg run of the transcode writes every rung at once; the early rendition (360p,
`pipeline.first_play_rendition`) is packaged segment by segment as ffmpeg closes them
(`packager.GrowingVariant`: the same period keys, derived from the video secret the whole
ladder uses) and published as an *early generation*: a master listing that rendition
alone and its EVENT playlist, which grows every time segments are added (players reload a
live playlist; EXT-X-START makes them begin at 0). The video is `playable` from the first
publish on. When the ladder is done, `pipeline.publish` makes a generation holding the
same files of the early rendition, byte for byte, with the other rungs: a viewer of the
early rendition reloads its playlist and gets the same segments, IVs and keys, now ended;
a start after that gets the full ladder (the web player switches to it, reloading the
master at the position it is at).

Published once at least FIRST_SEGMENTS segments are in and, when ffmpeg encodes slower
than real time, enough of the video that a viewer starting now will not catch up with
the encode (duration x (1 - speed)).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import shutil
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursevault.ffmpeg import command, packager
from coursevault.ffmpeg.ladder import Rendition
from coursevault.ffmpeg.probe import start_pts
from coursevault.jobs.models import JobContext
from coursevault.media import keys as content_keys
from coursevault.media import repo as media_repo
from coursevault.media.models import Video, VideoStatus
from coursevault.media.storage import EARLY_SUFFIX
from coursevault.media.stores import storage

if TYPE_CHECKING:
    from coursevault.media.pipeline import Plan

log = logging.getLogger(__name__)

FIRST_SEGMENTS = 2  # 12 s: a player has a segment to play and one to buffer
POLL_SECONDS = 1.0  # how often ffmpeg's playlist is read for closed segments


def generation_of(video: Video) -> str:
    """The early generation's name of the attempt holding VIDEO's fence (storage.growing
    recognises it: its playlists change while it is current)."""
    return f"{video.fence}{EARLY_SUFFIX}"


class FirstPlay:
    """The early rendition of one transcode attempt, from its first segment to the end."""

    def __init__(self, ctx: JobContext, plan: Plan) -> None:
        assert plan.early is not None
        self.ctx, self.plan, self.rendition = ctx, plan, plan.early
        video_id, secret = plan.video.id, plan.secret
        self.variant = packager.GrowingVariant(
            plan.clear / f"{plan.early.name}.m3u8",
            plan.output,
            rotation=secret.rotation,
            key_of=lambda period: content_keys.period_key(secret.secret, video_id, period),
            target=command.SEGMENT_SECONDS,
        )
        self.generation = generation_of(plan.video)
        self.staging = plan.output.parent / "early"  # the first publish's directory
        self.next = plan.output.parent / "early-next"  # the playlist of each later one
        self.speed: float | None = None  # ffmpeg's, from its progress
        self.published = False
        self.sent = 0  # segments in the published generation

    async def alongside(self, encode: Awaitable[None]) -> None:
        """Runs ENCODE (the ffmpeg run), publishing the early rendition as it grows."""
        task: asyncio.Future[None] = asyncio.ensure_future(encode)
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=POLL_SECONDS)
                if not task.done():
                    await self._advance()
            await task
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def finish(self, *, keep: bool) -> dict[str, tuple[int, int]]:
        """Packages what ffmpeg wrote last and ends the published playlist; returns the
        rendition as `packager.package` takes it (or nothing when it is not KEPT: a
        rendition nobody saw may be dropped from the ladder like any other)."""
        await asyncio.to_thread(self.variant.advance)
        if not self.published:
            if not keep:
                await asyncio.to_thread(self._discard)
                return {}
            self.variant.kind = "VOD"  # nobody saw it grow: a playlist like the others
        await asyncio.to_thread(self.variant.write_playlist, self.plan.output)
        if self.published:
            await self._send()
        return {self.variant.name: (len(self.variant.names), self.variant.bytes)}

    # ---- while ffmpeg runs ----

    def _lead_needed(self) -> float:
        """Seconds that must be packaged before a viewer may start: two segments, or the
        part of the video a viewer would otherwise catch up with."""
        duration = self.plan.probed.duration
        needed = FIRST_SEGMENTS * command.SEGMENT_SECONDS
        if self.speed is None or self.speed <= 0:
            return min(duration, needed) if self.speed is None else duration
        return min(duration, max(needed, duration * (1 - self.speed)))

    async def _advance(self) -> None:
        new = await asyncio.to_thread(self.variant.advance)
        if not new:
            return
        if self.published:
            await self._send()
        elif self.variant.seconds >= self._lead_needed():
            await self._publish()

    async def _publish(self) -> None:
        """The first publish: the early master, playlist and segments so far, the key,
        and the video marked playable (only while this attempt holds its fence)."""
        plan, ctx = self.plan, self.ctx
        video = plan.video
        store = storage(ctx.settings)
        start = await asyncio.to_thread(start_pts, plan.clear / self.variant.names[0])
        await asyncio.to_thread(self._stage)
        stored = content_keys.wrap(
            ctx.settings,
            video.id,
            content_keys.VideoSecret(
                secret=plan.secret.secret,
                rotation=plan.secret.rotation,
                periods=packager.expected_periods(
                    plan.probed.duration, plan.secret.rotation, command.SEGMENT_SECONDS
                ),
            ),
        )
        current = await media_repo.get_video(db=ctx.db, video_id=video.id)
        if current is None or current.fence != video.fence:
            return
        await media_repo.save_key(db=ctx.db, video_id=video.id, stored=stored, fence=video.fence)
        await store.publish(video.id, self.staging, self.generation)
        updated = await media_repo.update_video(
            db=ctx.db,
            video_id=video.id,
            expect={"status": VideoStatus.processing.value, "fence": video.fence},
            **self._playable_fields(start),
        )
        if updated is None:  # deleted or taken over meanwhile: the next publish cleans up
            log.info("video %s: early rendition not made current", video.id)
            return
        self.published, self.sent = True, len(self.variant.names)
        log.info(
            "video %s playable at %s after %.0f s of it were encoded",
            video.id,
            self.rendition.name,
            self.variant.seconds,
        )

    def _playable_fields(self, start: int | None) -> dict[str, Any]:
        probed, rendition = self.plan.probed, self.rendition
        return {
            "playable": True,
            "generation": self.generation,
            "duration": round(probed.duration, 3),
            "width": probed.width,
            "height": probed.height,
            "start_pts": start,
            "renditions": [
                {
                    "name": rendition.name,
                    "width": rendition.width,
                    "height": rendition.height,
                    "bandwidth": _stated_rate(rendition),
                }
            ],
        }

    def _stage(self) -> None:
        """The early generation's first files in a directory of their own (the local store
        publishes a directory by renaming it): the segments as hard links to the ones in
        the output, which the full ladder's generation takes over unchanged."""
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(mode=0o700)
        for name in self.variant.names:
            _link(self.plan.output / name, self.staging / name)
        (self.staging / command.MASTER_PLAYLIST).write_text(self._master())
        self.variant.write_playlist(self.staging)

    def _master(self) -> str:
        """The early master: the one rendition, with the CODECS ffmpeg's master states for
        it once written (Main profile at level 3.0 until then)."""
        rendition = self.rendition
        audio = ",mp4a.40.2" if self.plan.probed.audio_codec else ""
        codecs = f'"avc1.4d401e{audio}"'
        with contextlib.suppress(OSError):
            lines = (self.plan.clear / command.MASTER_PLAYLIST).read_text().splitlines()
            for line, uri in itertools.pairwise(lines):
                if uri.strip() == f"{rendition.name}.m3u8" and 'CODECS="' in line:
                    codecs = '"' + line.split('CODECS="', 1)[1].split('"', 1)[0] + '"'
        return (
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n"
            f"#EXT-X-STREAM-INF:BANDWIDTH={_stated_rate(rendition)},"
            f"RESOLUTION={rendition.width}x{rendition.height},CODECS={codecs}\n"
            f"{rendition.name}.m3u8\n"
        )

    async def _send(self) -> None:
        """Adds the segments packaged since the last send, then the playlist naming them."""
        names = self.variant.names[self.sent :]
        await asyncio.to_thread(self.next.mkdir, mode=0o700, exist_ok=True)
        playlist = await asyncio.to_thread(self.variant.write_playlist, self.next)
        files = [self.plan.output / name for name in names]
        await storage(self.ctx.settings).add_published(
            self.plan.video.id, self.generation, [*files, playlist]
        )
        self.sent += len(names)

    def _discard(self) -> None:
        for name in self.variant.names:
            (self.plan.output / name).unlink(missing_ok=True)


def _stated_rate(rendition: Rendition) -> int:
    """Until the ladder is measured, the early master states the rung's cap and audio."""
    return (rendition.video_kbps + rendition.audio_kbps) * 1000


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: a copy
        shutil.copyfile(source, target)
