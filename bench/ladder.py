"""Lean ladders: today's fixed-bitrate ladder against the content-adaptive one (prints,
asserts nothing).

Fixtures are made by ffmpeg's own sources (no downloads), each with a 440 Hz tone:

- `slides`: stills held 5 s (a title, lines of text, a box that moves between slides) and a
  pointer gliding over them;
- `noisy`: the same slides with temporal noise like a webcam's (measured against the clean
  slides too: the noise is the camera's, not the picture);
- `talking`: a static scene with a small moving region (a speaker in a corner);
- `motion`: testsrc2 over the whole picture (worst case).

For each, both ladders are encoded by the pipeline's own ffmpeg arguments (x264 `veryfast`
unless --preset): bytes per rung (video and audio, as viewers pull them) and in total,
SSIM and PSNR of each rung scaled back to the source's size against the source (ffmpeg's
`ssim` and `psnr`; VMAF of the 720p rung with --vmaf), CPU-seconds of the encode (ffmpeg's
user + system time, plus the measurement that decides which rungs are kept), and which
rungs the new ladder keeps. Then the time from an upload's last byte to its first play,
and to the full ladder, for a --first-play-minutes 1080p lecture through a real
`coursevault serve`, with the new ladder and first play against today's ladder.

    PYTHONPATH=. .venv/bin/python bench/ladder.py [--seconds 40] [--height 1080]
        [--first-play-minutes 10] [--fixtures slides,noisy,talking,motion] [--vmaf]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
import httpx

from coursevault.ffmpeg import command, measure, runner
from coursevault.ffmpeg.binary import ffmpeg_path
from coursevault.ffmpeg.ladder import LADDER, plan_renditions
from coursevault.ffmpeg.probe import probe
from tests.processes import Server, create_account

PASSWORD = "correct horse battery staple"
SLIDE_SECONDS = 5
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TEXT = (
    "Lecture 3 - adaptive streaming",
    "- segments of six seconds and keyframes every two",
    "- a key per period wrapped for the session",
    "- rungs at constant quality under a cap",
    "- the first rendition plays while the rest encodes",
)


def _slides(width: int, height: int, seconds: float) -> str:
    """White slides of text that change every SLIDE_SECONDS, and a moving pointer."""
    size = max(12, height // 24)
    lines = []
    for row, text in enumerate(TEXT):
        y = height // 10 + row * size * 2
        lines.append(
            f"drawtext=fontfile={FONT}:fontsize={size if row else size * 3 // 2}:"
            f"fontcolor=0x202040:x={width // 12}:y={y}:text='{text}'"
        )
    lines.append(
        f"drawtext=fontfile={FONT}:fontsize={size}:fontcolor=0x606060:x={width // 12}:"
        f"y={height - 2 * size}:text='Slide %{{eif\\:floor(t/{SLIDE_SECONDS})+1\\:d}}'"
    )
    box = (
        f"drawbox=x={width // 2}+mod(floor(t/{SLIDE_SECONDS})*{width // 7}\\,{width // 3}):"
        f"y={height // 2}:w={width // 5}:h={height // 4}:color=0x3060c0@1:t=fill"
    )
    pointer = (
        f"drawbox=x={width // 4}+{width // 3}*abs(sin(t/3)):y={height // 3}+{height // 4}*"
        f"abs(cos(t/4)):w={max(4, width // 100)}:h={max(4, width // 100)}:color=red@1:t=fill"
    )
    return (
        f"color=c=0xf8f8f0:size={width}x{height}:rate=30:duration={seconds},"
        + ",".join([*lines, box, pointer])
        + ",format=yuv420p"
    )


def _talking(width: int, height: int, seconds: float) -> str:
    """A still backdrop with a speaker-sized moving region in one corner."""
    w, h = (width // 4) // 2 * 2, (height // 3) // 2 * 2
    return (
        f"smptehdbars=size={width}x{height}:rate=30:duration={seconds},"
        f"boxblur=8[bg];testsrc2=size={w}x{h}:rate=30:duration={seconds}[head];"
        f"[bg][head]overlay=x={width - w - width // 20}:y={height - h - height // 20},"
        "format=yuv420p"
    )


def _motion(width: int, height: int, seconds: float) -> str:
    return f"testsrc2=size={width}x{height}:rate=30:duration={seconds},format=yuv420p"


NOISE = "noise=alls=14:allf=t+u"


def make_fixture(kind: str, path: Path, *, width: int, height: int, seconds: float) -> Path:
    """Writes fixture KIND (near-lossless x264, a tone) to PATH."""
    if kind == "talking":
        graph = _talking(width, height, seconds)
    elif kind == "motion":
        graph = _motion(width, height, seconds)
    else:
        graph = _slides(width, height, seconds) + (f",{NOISE}" if kind == "noisy" else "")
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-filter_complex", f"{graph}[v]", "-f", "lavfi", "-i"]
    args += [f"sine=frequency=440:duration={seconds}", "-map", "[v]", "-map", "0:a"]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "8", "-g", "60"]
    args += ["-c:a", "aac", "-b:a", "192k", "-shortest", str(path)]
    subprocess.run(args, check=True, timeout=7200)
    return path


@dataclass
class Ladder:
    wall: float = 0.0
    cpu: float = 0.0
    rungs: dict[str, int] = field(default_factory=dict)  # bytes per rung
    video: dict[str, int] = field(default_factory=dict)  # of which video packets
    kept: list[str] = field(default_factory=list)
    ssim: dict[str, float] = field(default_factory=dict)
    psnr: dict[str, float] = field(default_factory=dict)
    ssim_clean: dict[str, float] = field(default_factory=dict)
    vmaf: dict[str, float] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)  # measured BANDWIDTH
    average: dict[str, int] = field(default_factory=dict)  # AVERAGE-BANDWIDTH
    adjacent: dict[str, float] = field(default_factory=dict)  # SSIM vs the rung below


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def encode(clip: Path, out: Path, preset: str, adaptive: bool) -> Ladder:
    """Encodes CLIP's ladder as the transcode does (without packaging, which is 0.2 % of
    it); with CRF, also decides which rungs to keep as the transcode does."""
    probed = probe(clip)
    renditions = plan_renditions(probed.width, probed.height)
    out.mkdir()  # noqa: ASYNC240 - a bench, nothing else runs in its loop
    job = command.HlsJob(
        source=clip,
        demuxer=probed.demuxer,
        has_audio=probed.audio_codec is not None,
        renditions=renditions,
        output_dir=out,
        preset=preset,
        adaptive=adaptive,
    )
    result = Ladder()
    cpu, started = _children_cpu(), time.perf_counter()
    await runner.run(command.hls_ladder_args(job), timeout=7200)
    names = [r.name for r in renditions]
    if not adaptive:
        result.kept = names
    else:
        decision = await measure.keep_rungs(out, renditions, protected=set())
        result.kept = decision.kept
        result.adjacent = decision.similarity
    result.wall = time.perf_counter() - started
    result.cpu = _children_cpu() - cpu
    for name in names:
        segments = measure.segments(out / f"{name}.m3u8")
        result.rungs[name] = sum(s.size for s in segments)
        result.video[name] = sum(_video_bytes(out / s.name) for s in segments)
        rate = measure.rates(segments)
        result.peak[name], result.average[name] = rate.peak, rate.average
    return result


def _video_bytes(segment: Path) -> int:
    with av.open(str(segment), format="mpegts") as container:
        return sum(p.size for p in container.demux(video=0) if p.size)


_SSIM = re.compile(r"SSIM .*All:([0-9.]+)")
_PSNR = re.compile(r"PSNR .*average:([0-9.inf]+)")
_VMAF = re.compile(r"VMAF score: ([0-9.]+)")


def quality(rung: Path, reference: Path, width: int, height: int, vmaf: bool) -> dict[str, float]:
    """SSIM and PSNR (and VMAF) of the rung's playlist scaled to WIDTHxHEIGHT against
    REFERENCE, frame by frame from each one's first frame."""
    graph = (
        f"[0:v]setpts=PTS-STARTPTS,scale={width}:{height}:flags=bicubic,format=yuv420p,"
        f"split=3[d1][d2][d3];[1:v]setpts=PTS-STARTPTS,format=yuv420p,split=3[r1][r2][r3];"
        "[d1][r1]ssim;[d2][r2]psnr"
    )
    graph += ";[d3][r3]libvmaf=n_subsample=5:n_threads=2" if vmaf else ";[d3]nullsink;[r3]nullsink"
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "info"]
    args += ["-i", str(rung), "-i", str(reference), "-lavfi", graph, "-f", "null", "-"]
    text = subprocess.run(args, capture_output=True, text=True, timeout=7200, check=True).stderr
    found = {"ssim": float(_SSIM.findall(text)[-1]), "psnr": float(_PSNR.findall(text)[-1])}
    if vmaf and (score := _VMAF.findall(text)):
        found["vmaf"] = float(score[-1])
    return found


def measure_quality(ladder: Ladder, out: Path, clip: Path, clean: Path | None, vmaf: bool) -> None:
    probed = probe(clip)
    for name in ladder.rungs:
        playlist = out / f"{name}.m3u8"
        scores = quality(playlist, clip, probed.width, probed.height, vmaf and name == "720p")
        ladder.ssim[name], ladder.psnr[name] = scores["ssim"], scores["psnr"]
        if "vmaf" in scores:
            ladder.vmaf[name] = scores["vmaf"]
        if clean is not None:
            ladder.ssim_clean[name] = quality(playlist, clean, probed.width, probed.height, False)[
                "ssim"
            ]


def report(kind: str, old: Ladder, new: Ladder) -> None:
    total_old = sum(old.rungs.values())
    total_new = sum(new.rungs[name] for name in new.kept)
    print(f"\n## {kind}")
    video_old = sum(old.video.values())
    video_new = sum(new.video[name] for name in new.kept)
    header = (
        "| rung | today MB | new MB | ratio | video only today / new MB | SSIM today | "
        "SSIM new | PSNR today | PSNR new |"
    )
    extra = " SSIM vs clean today | new |" if old.ssim_clean else ""
    print(header + extra + " new peak / average kbit/s | vs rung below |")
    print("|" + "---|" * (header.count("|") - 1 + extra.count("|") + 2))
    for name, size in old.rungs.items():
        kept = name in new.kept
        mark = "" if kept else " (dropped)"
        line = (
            f"| {name}{mark} | {size / 1e6:.2f} | {new.rungs[name] / 1e6:.2f} | "
            f"{new.rungs[name] / size:.2f} | {old.video[name] / 1e6:.2f} / "
            f"{new.video[name] / 1e6:.2f} | {old.ssim[name]:.4f} | {new.ssim[name]:.4f} | "
            f"{old.psnr[name]:.2f} | {new.psnr[name]:.2f} |"
        )
        if old.ssim_clean:
            line += f" {old.ssim_clean[name]:.4f} | {new.ssim_clean[name]:.4f} |"
        adjacent = new.adjacent.get(name)
        line += f" {new.peak[name] // 1000} / {new.average[name] // 1000} |"
        line += f" {adjacent:.4f} |" if adjacent is not None else " |"
        print(line)
    print(
        f"| total | {total_old / 1e6:.2f} | {total_new / 1e6:.2f} | "
        f"{total_new / total_old:.2f} | {video_old / 1e6:.2f} / {video_new / 1e6:.2f} "
        f"({video_new / video_old:.2f}) | | | | |"
    )
    print(
        f"encode: today {old.cpu:.1f} CPU-s ({old.wall:.1f} s wall), new {new.cpu:.1f} CPU-s "
        f"({new.wall:.1f} s wall) = {new.cpu / old.cpu:.2f}x"
    )
    if old.vmaf:
        print(f"VMAF 720p: today {old.vmaf['720p']:.2f}, new {new.vmaf['720p']:.2f}")


def compare(kind: str, work: Path, args: argparse.Namespace) -> None:
    width = args.height * 16 // 9
    clip = make_fixture(
        kind, work / f"{kind}.mp4", width=width, height=args.height, seconds=args.seconds
    )
    clean = None
    if kind == "noisy":
        clean = work / "slides-clean.mp4"
        if not clean.exists():
            make_fixture("slides", clean, width=width, height=args.height, seconds=args.seconds)
    old = asyncio.run(encode(clip, work / f"{kind}-today", args.preset, adaptive=False))
    new = asyncio.run(encode(clip, work / f"{kind}-new", args.preset, adaptive=True))
    measure_quality(old, work / f"{kind}-today", clip, clean, args.vmaf)
    measure_quality(new, work / f"{kind}-new", clip, clean, args.vmaf)
    report(kind, old, new)


# ---- first play ----


def _login(client: httpx.Client, email: str) -> dict[str, str]:
    token = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def first_play(clip: Path, work: Path, label: str, **env: str) -> None:
    """Uploads CLIP to a fresh server and times, from the last byte, the first moment the
    video is playable and the moment its full ladder is ready."""
    data_dir = work / f"first-play-{label}"
    create_account(data_dir, "teacher@example.com", "instructor")
    server = Server(data_dir, workers=1, **env)
    try:
        with httpx.Client(base_url=server.url, timeout=600) as client:
            auth = {**_login(client, "teacher@example.com"), "Tus-Resumable": "1.0.0"}
            video = client.post("/api/videos", json={"title": "first play"}, headers=auth).json()
            data = clip.read_bytes()
            location = client.post(
                video["upload_url"], headers={**auth, "Upload-Length": str(len(data))}
            ).headers["Location"]
            response = client.patch(
                location,
                content=data,
                headers={
                    **auth,
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            last_byte = time.perf_counter()
            assert response.status_code == 204, response.text
            playable = None
            while True:
                current = client.get(f"/api/videos/{video['id']}", headers=auth).json()
                now = time.perf_counter() - last_byte
                if playable is None and (current.get("playable") or current["status"] == "ready"):
                    playable = now
                    print(
                        f"first play ({label}): playable {playable:.1f} s after the last byte "
                        f"({', '.join(r['name'] for r in current['renditions'])})",
                        flush=True,
                    )
                if current["status"] in ("ready", "failed"):
                    break
                time.sleep(0.5)
            assert current["status"] == "ready", current["error"]
            print(
                f"first play ({label}): full ladder {now:.1f} s after the last byte "
                f"({', '.join(r['name'] for r in current['renditions'])})",
                flush=True,
            )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--fixtures", default="slides,noisy,talking,motion")
    parser.add_argument("--vmaf", action="store_true")
    parser.add_argument("--first-play-minutes", type=float, default=10)
    parser.add_argument("--work", type=Path, default=None, help="keep files here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        print(
            f"fixtures {args.seconds:g} s at {args.height}p, x264 {args.preset}, "
            f"new ladder CRF {'/'.join(str(r.crf) for r in LADDER)} "
            "capped at 95 % of today's rates, "
            f"{os.cpu_count()} cores"
        )
        for kind in [k for k in args.fixtures.split(",") if k]:
            compare(kind, work, args)
        if args.first_play_minutes > 0:
            width = 1920
            clip = make_fixture(
                "slides", work / "lecture.mp4", width=width, height=1080,
                seconds=args.first_play_minutes * 60,
            )  # fmt: skip
            size = clip.stat().st_size / 1e6
            print(
                f"\nfirst play: a {args.first_play_minutes:g}-minute 1080p lecture, {size:.0f} MB"
            )
            first_play(clip, work, "new")
            first_play(
                clip, work, "today", COURSEVAULT_LADDER="fixed", COURSEVAULT_FIRST_PLAY="false"
            )


if __name__ == "__main__":
    main()
