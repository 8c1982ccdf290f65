"""Transcode and upload figures (prints, asserts nothing).

1. Realtime factor of the one-process ladder (decode once, split, encode every rung)
   against the same renditions encoded by separate ffmpeg runs, on one generated clip.
   Then the cost of our packager (AES-128 per segment, a key per period, playlists) on
   that ladder, as a share of the encode it follows (goal: under 3 %), and the cost of
   the storyboard (seek previews) the same ffmpeg run writes (goal: under 10 %).
2. tus upload throughput and the server's peak RSS for a large upload, through a real
   `coursevault serve` (granian), so bounded memory shows in the number.

    PYTHONPATH=. .venv/bin/python bench/transcode.py [--seconds 60] [--height 1080] [--upload-gib 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx

from coursevault.ffmpeg import command, packager, runner
from coursevault.ffmpeg import storyboard as boards
from coursevault.ffmpeg.ladder import plan_renditions
from coursevault.ffmpeg.probe import probe
from coursevault.media.keys import VideoSecret, period_key
from coursevault.watermark import mark
from tests.media_helpers import make_clip
from tests.processes import COURSEVAULT, Server, run_cli

PASSWORD = "correct horse battery staple"


async def one_process(
    clip: Path, work: Path, preset: str, *, storyboard: bool = False, forensic: bool = False
) -> float:
    probed = probe(clip)
    out = work / ("one-storyboard" if storyboard else "one-forensic" if forensic else "one")
    out.mkdir()
    renditions = plan_renditions(probed.width, probed.height)
    sizes = [(r.name, r.width, r.height) for r in renditions] if forensic else []
    patterns = mark.write_frames(mark.Pattern.of("bench"), sizes, work)
    job = command.HlsJob(
        source=clip,
        demuxer=probed.demuxer,
        has_audio=probed.audio_codec is not None,
        renditions=plan_renditions(probed.width, probed.height),
        output_dir=out,
        preset=preset,
        storyboard=boards.plan(probed.duration, probed.width, probed.height)
        if storyboard
        else None,
        patterns=patterns,
    )
    started = time.perf_counter()
    await runner.run(command.hls_ladder_args(job), timeout=3600)
    return time.perf_counter() - started


def package(work: Path, rotation: int) -> tuple[float, packager.Packaged]:
    """Encrypts the one-process ladder as the transcode job does; returns seconds taken."""
    out = work / f"packaged-{rotation}"
    out.mkdir()
    secret = VideoSecret.new(rotation=rotation)
    started = time.perf_counter()
    done = packager.package(
        work / "one",
        out,
        rotation=rotation,
        key_of=lambda period: period_key(secret.secret, "0" * 24, period),
    )
    return time.perf_counter() - started, done


async def separate_runs(clip: Path, work: Path, preset: str) -> float:
    probed = probe(clip)
    started = time.perf_counter()
    for rendition in plan_renditions(probed.width, probed.height):
        out = work / f"sep-{rendition.name}"
        out.mkdir()
        job = command.HlsJob(
            source=clip,
            demuxer=probed.demuxer,
            has_audio=probed.audio_codec is not None,
            renditions=[rendition],
            output_dir=out,
            preset=preset,
        )
        await runner.run(command.hls_ladder_args(job), timeout=3600)
    return time.perf_counter() - started


def peak_rss_kib(pid: int) -> int:
    """Peak RSS of PID and its children (granian workers), in KiB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total = max(total, int(line.split()[1]))
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(x) for x in text.split()]
    return kids + [g for k in kids for g in _children(k)]


def upload(gib: float, work: Path) -> None:
    data_dir = work / "data"
    size = int(gib * 1024**3)
    created = run_cli(
        data_dir,
        "user",
        "create",
        "--email",
        "bench@example.com",
        "--name",
        "B",
        "--role",
        "instructor",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    server = Server(
        data_dir,
        COURSEVAULT_MAX_UPLOAD_BYTES=str(size + 1),
        COURSEVAULT_INPROCESS_WORKER="false",  # measure the upload, not a transcode of noise
    )
    try:
        with httpx.Client(base_url=server.url, timeout=600) as client:
            token = client.post(
                "/api/auth/login", json={"email": "bench@example.com", "password": PASSWORD}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
            video = client.post("/api/videos", json={"title": "big"}, headers=auth).json()
            location = client.post(
                video["upload_url"], headers={**auth, "Upload-Length": str(size)}
            ).headers["Location"]
            rss_before = peak_rss_kib(server.process.pid)
            block = os.urandom(1024 * 1024)
            chunk = 256 * 1024 * 1024  # one PATCH per 256 MiB, streamed in 1 MiB blocks

            def body(n: int):  # type: ignore[no-untyped-def]
                for _ in range(n // len(block)):
                    yield block

            started = time.perf_counter()
            offset = 0
            while offset < size:
                n = min(chunk, size - offset)
                response = client.patch(
                    location,
                    content=body(n),
                    headers={
                        **auth,
                        "Upload-Offset": str(offset),
                        "Content-Length": str(n),
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
                assert response.status_code == 204, response.text
                offset = int(response.headers["Upload-Offset"])
            elapsed = time.perf_counter() - started
            rss_after = peak_rss_kib(server.process.pid)
    finally:
        server.stop()
    print(f"upload: {gib:g} GiB in {elapsed:.1f}s = {size / elapsed / 1024**2:.0f} MiB/s")
    before, after = rss_before / 1024, rss_after / 1024
    print(f"upload: server peak RSS {before:.0f} MiB before, {after:.0f} MiB after")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--upload-gib", type=float, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        width = args.height * 16 // 9
        clip = make_clip(
            work / "clip.mp4", size=f"{width}x{args.height}", seconds=args.seconds, rate=30
        )
        ladder = [r.name for r in plan_renditions(width, args.height)]
        print(
            f"clip: {args.seconds:g}s {width}x{args.height}, ladder {', '.join(ladder)}, "
            f"x264 {args.preset}, {os.cpu_count()} cores"
        )
        one = asyncio.run(one_process(clip, work, args.preset))
        for rotation in (8, 1, 0):
            seconds, done = package(work, rotation)
            print(
                f"packaging   : rotation {rotation}: {done.segments} segments x renditions, "
                f"{done.periods} keys, {done.bytes / 1e6:.0f} MB in {seconds:.2f}s = "
                f"{100 * seconds / one:.1f} % of the encode (AES in one Python thread)"
            )
        # The same run with and without the storyboard branch, interleaved three times: the
        # difference is small next to run-to-run noise on a shared machine, so the fastest
        # run of each kind is compared.
        plain, boarded = one, float("inf")
        for attempt in range(3):
            again = work / f"again{attempt}"
            again.mkdir()
            boarded = min(
                boarded, asyncio.run(one_process(clip, again, args.preset, storyboard=True))
            )
            if attempt < 2:
                plain = min(plain, asyncio.run(one_process(clip, again, args.preset)))
        sprite = work / "again0" / "one-storyboard" / boards.IMAGE
        board = boards.plan(args.seconds, width, args.height)
        print(
            f"storyboard  : {board.count} tiles of {board.width}x{board.height} every "
            f"{board.interval}s, sprite {sprite.stat().st_size / 1e3:.0f} kB; encode "
            f"{plain:.1f}s without, {boarded:.1f}s with = {100 * (boarded - plain) / plain:+.1f} %"
            " (one more scale and a JPEG in the same decode)"
        )
        forensic_dir = work / "forensic"
        forensic_dir.mkdir()
        marked = asyncio.run(one_process(clip, forensic_dir, args.preset, forensic=True))
        plain_bytes = sum(f.stat().st_size for f in (work / "one").glob("*.ts"))
        marked_bytes = sum(f.stat().st_size for f in (forensic_dir / "one-forensic").glob("*.ts"))
        print(
            f"forensic    : A and B of every rung in one run: {marked:.1f}s vs {plain:.1f}s = "
            f"{marked / plain:.2f}x the time, {marked_bytes / 1e6:.0f} MB vs "
            f"{plain_bytes / 1e6:.0f} MB = {marked_bytes / plain_bytes:.2f}x the storage "
            "(goal: at most 2x each; the decode is shared, every encode is doubled)"
        )
        many = asyncio.run(separate_runs(clip, work, args.preset))
        print(f"one process : {one:.1f}s  realtime x{args.seconds / one:.2f}")
        print(f"separate    : {many:.1f}s  realtime x{args.seconds / many:.2f}")
        print(f"ratio       : one process is {many / one:.2f}x the speed of separate runs")
        if args.upload_gib > 0:
            upload(args.upload_gib, work)
    _ = COURSEVAULT


if __name__ == "__main__":
    main()
