"""Forensic watermark goals (prints, asserts nothing):

1. Tracing: TRIALS copies of distinct sessions, each a random 4-minute excerpt of the
   session's stream (a random rendition), re-encoded with x264 at 1 Mbit/s and scaled to
   854x480: how many name the right session among ISSUED numbers (goal: >= 19 of 20).
   Then copies that must name nobody: TRIALS excerpts of the ordinary (all-A) playlist
   and TRIALS of the plain ladder (the same source encoded without variants, as served
   before a course turned the policy on), which must be recognised as unmarked (docs/
   security.md F8; goal: all, and no marked copy called unmarked), and TRIALS / 2 videos
   that are not this one (goal: no false accusation). Each copy prints the statistics the
   unmarked rule reads: the median |score| (strength), the share of A decisions.
   Then, for 2 and 3 sessions of one account (each on its own random rendition), TRIALS
   copies mixed segment by segment from them, A wherever any of them had A: how many
   name the account's number (goal: 20 of 20) and how many name another (goal: 0). The
   sessions share the account's number (docs/security.md F6); `--per-session-numbers`
   gives each its own, as before F6, to show what that rule buys.
2. Serving: the time to render one per-session playlist of a one-hour rendition (600
   segments), p50 and p99 over many renders (goal: p99 <= 1 ms).
3. Re-package cost: the encode with A/B variants (what turning the policy on queues per
   video) against the plain ladder of the same source in the same run, in seconds per
   minute of video, and the CPU both used (which says what limits them).

    PYTHONPATH=. .venv/bin/python bench/forensic.py [--minutes 6] [--trials 20] [--preset veryfast]
        [--per-session-numbers] [--no-mixed]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import secrets
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from coursevault.ffmpeg import command, runner
from coursevault.ffmpeg.binary import ffmpeg_path
from coursevault.ffmpeg.ladder import plan_renditions
from coursevault.ffmpeg.probe import probe
from coursevault.watermark import analysis, codeword, features, mark, reference, variants
from tests.media_helpers import make_clip

EXCERPT = 240  # seconds
# Videos that are not this one (cheap to generate; mandelbrot takes minutes per minute).
OTHER_SOURCES = (
    "testsrc=s=854x480:r=25",
    "life=s=854x480:mold=10:r=25:ratio=0.1",
    "cellauto=s=854x480:r=25",
    "smptehdbars=s=854x480:r=25,noise=alls=20:allf=t",
)


def encode(clip: Path, work: Path, preset: str, *, marked: bool = True) -> tuple[Path, list[str]]:
    """The ladder of CLIP with its A/B variants (MARKED) or plain, as the transcode makes it."""
    probed = probe(clip)
    renditions = plan_renditions(probed.width, probed.height)
    sizes = [(r.name, r.width, r.height) for r in renditions]
    pattern = mark.Pattern.of(secrets.token_hex(8))
    patterns = mark.write_frames(pattern, sizes, work) if marked else ()
    out = work / ("variants" if marked else "plain")
    out.mkdir()
    job = command.HlsJob(
        source=clip,
        demuxer=probed.demuxer,
        has_audio=False,
        renditions=renditions,
        output_dir=out,
        preset=preset,
        patterns=patterns,
    )
    asyncio.run(runner.run(command.hls_ladder_args(job), timeout=7200))
    return out, [r.name for r in renditions]


def excerpt(segments: list[Path], start: float, out: Path, preset: str, rate: float = 25) -> Path:
    """Concatenates SEGMENTS, cuts EXCERPT seconds from START, scales to 854x480 and
    re-encodes at 1 Mbit/s."""
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{s}'\n" for s in segments))
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
            "-f", "concat", "-safe", "0", "-i", str(listing), "-ss", f"{start:.2f}",
            "-t", str(EXCERPT), "-vf", "scale=854:480", "-c:v", "libx264", "-b:v", "1M",
            "-maxrate", "1M", "-bufsize", "2M", "-preset", preset, "-an", "-y", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def other_video(source: str, out: Path, preset: str) -> Path:
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
            "-i", source, "-t", str(EXCERPT), "-vf", "scale=854:480", "-c:v", "libx264",
            "-b:v", "1M", "-preset", preset, "-an", "-y", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def timed_encode(
    clip: Path, work: Path, preset: str, *, marked: bool
) -> tuple[Path, list[str], float, float]:
    """`encode`, with its wall-clock seconds and the CPU seconds its ffmpeg used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out, names = encode(clip, work, preset, marked=marked)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, names, took, cpu


def trace(copy: Path, ref: reference.Reference, key: bytes, issued: int) -> analysis.Verdict | None:
    frames, _ = features.frames(copy)
    aligned = analysis.align(frames, ref.mid)
    if aligned is None or aligned.correlation < analysis.MIN_ALIGNMENT:
        return None
    scores = analysis.segment_scores(frames, ref, aligned.offset)
    verdict = analysis.decide(
        scores, range(1, issued + 1), lambda n, count: codeword.bits(key, "bench", n, count)
    )
    ups = sum(s.mark > 0 for s in scores) / max(1, len(scores))
    TRACED.append((len(scores), verdict.strength or 0.0, ups))
    return verdict


TRACED: list[tuple[int, float, float]] = []  # (scored, strength, share of A) per traced copy


def stats() -> str:
    """The unmarked rule's statistics of the last traced copy."""
    scored, strength, ups = TRACED[-1]
    return f"{scored} scored, strength {strength:.2f}, {ups:.0%} A"


def mixed_trials(
    sessions: int,
    args: argparse.Namespace,
    rng: random.Random,
    context: tuple[Path, list[str], reference.Reference, bytes, Path],
) -> tuple[int, int]:
    """TRIALS copies mixed from SESSIONS sessions of one account: (traced to the
    account, named another number)."""
    out, names, ref, key, work = context
    count, seconds = len(ref.starts), args.minutes * 60
    traced = accused = 0
    for trial in range(args.trials):
        account = rng.sample(range(1, args.issued + 1), sessions)
        numbers = account if args.per_session_numbers else [account[0]] * sessions
        renditions = [rng.choice(names) for _ in numbers]
        codewords = [codeword.bits(key, "bench", n, count) for n in numbers]
        chosen = []
        for index in range(count):
            bit = max(c[index] for c in codewords)  # A wherever any session had A
            holders = [s for s, c in enumerate(codewords) if c[index] == bit]
            session = rng.choice(holders)
            variant = "a" if bit > 0 else "b"
            chosen.append(out / f"{renditions[session]}_{variant}_{index:05d}.ts")
        start = rng.uniform(0, max(0.0, seconds - EXCERPT))
        copy = excerpt(chosen, start, work / f"mixed{sessions}-{trial}.mp4", args.preset)
        verdict = trace(copy, ref, key, args.issued)
        named = verdict.number if verdict else None
        ok = named in numbers
        traced += ok
        accused += named is not None and not ok
        outcome = "account" if ok else "ANOTHER" if named is not None else "nobody"
        detail = (
            f"{verdict.agreeing}/{verdict.segments} agree, chance {verdict.chance:.1g}"
            if verdict
            else "not aligned"
        )
        where = f"{'+'.join(renditions)} from {start:5.1f}s"
        print(f"  mixed x{sessions} trial {trial + 1:2d}: {where} -> {outcome} ({detail})")
        copy.unlink()
    return traced, accused


def render_times(renders: int) -> tuple[float, float]:
    """p50 and p99 of rendering a 600-segment per-session playlist, in ms."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:6", "#EXT-X-PLAYLIST-TYPE:VOD"]
    a, b = list(lines), list(lines)
    for i in range(600):
        for variant, playlist in (("a", a), ("b", b)):
            iv = secrets.token_hex(16)
            playlist += [f'#EXT-X-KEY:METHOD=AES-128,URI="key/{i}",IV=0x{iv}', "#EXTINF:6.000000,"]
            playlist.append(f"720p_{variant}_{i:05d}.ts")
    template = variants.Template.parse(
        "\n".join([*a, "#EXT-X-ENDLIST"]), "\n".join([*b, "#EXT-X-ENDLIST"])
    )
    key = secrets.token_bytes(32)
    times = []
    for n in range(renders):
        started = time.perf_counter()
        template.render(codeword.bits(key, "video", n + 1, len(template.a)))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=6)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--issued", type=int, default=10_000, help="numbers issued for the video")
    parser.add_argument("--preset", default="veryfast", help="x264 preset of the leaks")
    parser.add_argument("--no-mixed", action="store_true", help="skip the mixed copies")
    parser.add_argument(
        "--per-session-numbers",
        action="store_true",
        help="mixed copies: each session its own number (as before F6)",
    )
    args = parser.parse_args()
    p50, p99 = render_times(20_000)
    print(f"per-session playlist, 600 segments: p50 {p50:.3f} ms, p99 {p99:.3f} ms (goal <= 1 ms)")
    key = secrets.token_bytes(32)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seconds = args.minutes * 60
        clip = make_clip(
            work / "source.mp4", size="1280x720", seconds=seconds, rate=25, audio=False
        )
        out, names, took, cpu = timed_encode(clip, work, "veryfast", marked=True)
        print(f"source: {seconds:g}s 1280x720, variants of {', '.join(names)} in {took:.0f}s")
        plain, _, base, base_cpu = timed_encode(clip, work, "veryfast", marked=False)
        minutes, cores = seconds / 60, os.cpu_count() or 1
        bound = cpu / took > 0.8 * cores
        limit = "CPU-bound: the x264 encodes, doubled" if bound else "not CPU-bound"
        print(
            f"re-package with variants: {took / minutes:.1f} s per minute of video vs "
            f"{base / minutes:.1f} s for the plain ladder = {took / base:.2f}x; CPU "
            f"{cpu / took:.2f} of {cores} cores busy ({base_cpu / base:.2f} plain): " + limit
        )
        lowest = names[0]
        ref = reference.build(
            sorted(out.glob(f"{lowest}_a_*.ts")), sorted(out.glob(f"{lowest}_b_*.ts")), 25.0
        )
        count = len(ref.starts)
        right = called_unmarked = 0
        numbers = rng.sample(range(1, args.issued + 1), args.trials)
        for trial, number in enumerate(numbers):
            rendition = rng.choice(names)
            bits = codeword.bits(key, "bench", number, count)
            chosen = [
                out / f"{rendition}_{'a' if b > 0 else 'b'}_{i:05d}.ts" for i, b in enumerate(bits)
            ]
            start = rng.uniform(0, max(0.0, seconds - EXCERPT))
            copy = excerpt(chosen, start, work / f"leak{trial}.mp4", args.preset)
            verdict = trace(copy, ref, key, args.issued)
            ok = verdict is not None and verdict.number == number
            right += ok
            detail = (
                f"{verdict.agreeing}/{verdict.segments} agree, chance {verdict.chance:.1g}"
                if verdict
                else "not aligned"
            )
            outcome = "right" if ok else "WRONG"
            outcome += " (CALLED UNMARKED)" if verdict and verdict.unmarked else ""
            called_unmarked += bool(verdict and verdict.unmarked)
            where = f"{rendition} from {start:5.1f}s"
            print(f"  marked trial {trial + 1:2d}: {where} -> {outcome} ({detail}; {stats()})")
            copy.unlink()
        marked_strengths = [strength for _, strength, _ in TRACED]
        accused = recognised = unmarked_copies = others = 0
        ladder_strengths: list[float] = []
        for trial in range(args.trials * 5 // 2):
            kind = trial % 5
            if kind in (0, 2):  # the ordinary playlist (all A) of a course without the policy
                rendition = rng.choice(names)
                chosen = [out / f"{rendition}_a_{i:05d}.ts" for i in range(count)]
                start = rng.uniform(0, max(0.0, seconds - EXCERPT))
                copy = excerpt(chosen, start, work / f"plain{trial}.mp4", args.preset)
                what = f"all-A playlist {rendition} from {start:5.1f}s"
            elif kind in (1, 3):  # the plain ladder, before the variants were made
                rendition = rng.choice(names)
                chosen = sorted(plain.glob(f"{rendition}_[0-9]*.ts"))
                start = rng.uniform(0, max(0.0, seconds - EXCERPT))
                copy = excerpt(chosen, start, work / f"ladder{trial}.mp4", args.preset)
                what = f"plain ladder {rendition} from {start:5.1f}s"
            else:
                source = OTHER_SOURCES[(trial // 5) % len(OTHER_SOURCES)]
                copy = other_video(f"{source}", work / f"other{trial}.mp4", args.preset)
                what = f"another video ({source.split('=')[0]})"
            verdict = trace(copy, ref, key, args.issued)
            named = verdict is not None and verdict.number is not None
            accused += named
            if kind < 4:
                unmarked_copies += 1
                recognised += bool(verdict and verdict.unmarked)
            if kind in (1, 3) and verdict:
                ladder_strengths.append(TRACED[-1][1])
            else:
                others += 1
            outcome = (
                "ACCUSED"
                if named
                else "unmarked stream"
                if verdict and verdict.unmarked
                else f"no mark found ({verdict.reason if verdict else 'not aligned'})"
            )
            shown = f"; {stats()}" if verdict else ""
            print(f"  unmarked trial {trial + 1:2d}: {what} -> {outcome}{shown}")
            copy.unlink()
        print(f"tracing: right session in {right} of {args.trials} marked copies (goal >= 19/20)")
        print(
            f"tracing: {recognised} of {unmarked_copies} copies of unmarked streams recognised "
            f"as unmarked (goal all), {called_unmarked} marked copies called unmarked (goal 0)"
        )
        print(
            f"tracing: strength (median |score|) of marked copies {min(marked_strengths):.2f}"
            f"-{max(marked_strengths):.2f}, of the plain ladder's {min(ladder_strengths):.2f}"
            f"-{max(ladder_strengths):.2f} (threshold {analysis.UNMARKED_STRENGTH}; all-A copies "
            "are told by their one sign)"
        )
        print(
            f"tracing: {accused} false accusations in {unmarked_copies + others} copies that "
            f"are unmarked or another video (goal 0)"
        )
        setup = f"x264 {args.preset} 1 Mbit/s 854x480"
        print(f"  ({args.issued:,} issued numbers, 4-minute excerpts, {setup})")
        rule = "one number per session" if args.per_session_numbers else "one per account"
        for sessions in () if args.no_mixed else (2, 3):
            traced, accused = mixed_trials(sessions, args, rng, (out, names, ref, key, work))
            print(
                f"tracing: {sessions} sessions of one account mixed ({rule}): traced to the "
                f"account in {traced} of {args.trials} (goal 20/20), {accused} false "
                f"accusations (goal 0)"
            )


if __name__ == "__main__":
    main()
