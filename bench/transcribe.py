"""Automatic captions and caption search figures (prints, asserts nothing).

1. Accuracy: word error rate of the bundled tiny.en on a fixture read by espeak-ng from
   a known text (`espeak-ng -s 160`, its default English voice, 16-bit WAV, muxed with a
   test-pattern picture into an MP4 with AAC sound, as an upload would be), and on the
   same fixture with white noise mixed in (ffmpeg `anoisesrc`, amplitude 0.02, about 20 dB
   signal to noise; the ratio is printed). Goals: ≤ 10 % clean, ≤ 20 % noisy.
2. Speed and memory: a 60-minute lecture (the fixture's speech looped to an hour, AAC)
   through the same child process the job runs, 2 threads, int8: real-time factor (goal
   ≥ 12×, i.e. ≤ 5 minutes) and the child's peak RSS; the cues are checked against the
   reading rules.
3. Search: 1,000 lessons of captions (150 cues each, 150,000 cues) in the embedded
   database; the first search (it builds the FTS5 index), then p50/p99 of searches with
   nothing changed, and the first search after a track was edited (the index is brought up
   to date in the background, so it answers from what it holds). Goal: p99 ≤ 50 ms.

    PYTHONPATH=. .venv/bin/python bench/transcribe.py [--minutes 60] [--skip-long] [--search-only]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from pymongo import AsyncMongoClient

from coursevault.captions import repo as captions_repo
from coursevault.captions.parse import Cue
from coursevault.config import Settings
from coursevault.database import embedded_server
from coursevault.ffmpeg.binary import ffmpeg_path
from coursevault.transcripts import cues, search, speech
from coursevault.transcripts.transcribe import RATE, audio_windows
from tests.speech_helpers import speak, speech_clip, wer

TEXT = (
    "Welcome back to the course. In this lesson we look at how a video player fetches "
    "its segments, and why every segment is encrypted with its own key. First, the "
    "player downloads the master playlist. It lists one variant for every resolution we "
    "encoded. The player measures its bandwidth and picks the variant that fits. Then it "
    "asks for the media playlist of that variant, which names each segment in order. "
    "Before it can decode a segment, the player needs the key. The key is served only to "
    "a signed in student whose session is still alive. If the session ends, the next key "
    "request fails and playback stops within a minute. That is the whole idea. Keys are "
    "short lived, segments are public, and the server decides who may watch. In the next "
    "lesson we will write our own small player and watch these requests in the network "
    "panel of the browser. Make sure you have the sample project open before you start."
)
NOISE_AMPLITUDE = 0.02


def rss_mib_of_children() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


async def hear(path: Path, threads: int) -> tuple[speech.Speech, float]:
    started = time.perf_counter()
    heard = await speech.transcribe(
        path, model="bundled", device="cpu", threads=threads, language=None, timeout=3600
    )
    return heard, time.perf_counter() - started


def said(heard: speech.Speech) -> str:
    return " ".join(c.text.replace("\n", " ") for c in cues.cut(heard.words))


def snr_db(clean: Path, noisy: Path) -> float:
    def power(path: Path) -> float:
        return float(np.mean([np.mean(np.square(s)) for _, s in audio_windows(path)]))

    signal, mixed = power(clean), power(noisy)
    return float(10 * np.log10(signal / max(mixed - signal, 1e-12)))


async def accuracy(work: Path, threads: int) -> Path:
    wav = speak(TEXT, work / "speech.wav")
    clean = speech_clip(wav, work / "clean.mp4")
    noisy = speech_clip(wav, work / "noisy.mp4", noise=NOISE_AMPLITUDE)
    for name, clip in (("clean", clean), ("noisy", noisy)):
        heard, seconds = await hear(clip, threads)
        duration = sum(s.size for _, s in audio_windows(clip)) / RATE
        print(
            f"accuracy {name}: WER {wer(TEXT, said(heard)):.1%} over {len(TEXT.split())} words, "
            f"{duration:.1f} s of speech in {seconds:.1f} s"
        )
    print(
        f"noisy fixture: white noise amplitude {NOISE_AMPLITUDE}, SNR {snr_db(clean, noisy):.1f} dB"
    )
    return wav


async def long_lecture(work: Path, wav: Path, minutes: float, threads: int) -> None:
    lecture = work / "lecture.m4a"
    args = [ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y", "-stream_loop", "-1"]
    args += ["-i", str(wav), "-t", str(minutes * 60), "-c:a", "aac", "-b:a", "64k", str(lecture)]
    await asyncio.to_thread(subprocess.run, args, check=True, timeout=600)
    heard, seconds = await hear(lecture, threads)
    made = cues.cut(heard.words)
    broken = [
        c
        for c in made
        if not (cues.MIN_SECONDS - 1e-6 <= c.end - c.start <= cues.MAX_SECONDS + 1e-6)
        or len(c.text.split("\n")) > cues.MAX_LINES
        or any(len(line) > cues.MAX_LINE for line in c.text.split("\n"))
    ]
    repeats = minutes * 60 / (sum(s.size for _, s in audio_windows(wav)) / RATE)
    print(
        f"{minutes:.0f}-minute lecture: {seconds:.0f} s ({minutes * 60 / seconds:.1f}x real time), "
        f"transcriber peak RSS {rss_mib_of_children():.0f} MiB, {len(heard.words)} words, "
        f"{len(made)} cues ({len(broken)} breaking the reading rules), "
        f"WER {wer(' '.join([TEXT] * round(repeats)), said(heard)):.1%} (approximate: "
        "the loop cuts the last reading short)"
    )


def lesson_cues(rng: random.Random, vocabulary: list[str]) -> list[Cue]:
    out, at = [], 0.0
    for _ in range(150):
        words = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 12)))
        out.append(Cue(start=round(at, 2), end=round(at + 3.5, 2), text=words))
        at += 4.0
    return out


async def search_figures(work: Path, lessons: int) -> None:
    server = embedded_server.ensure_running(work / "data")
    client: AsyncMongoClient[Any] = AsyncMongoClient(server.uri)
    try:
        db: Any = client["bench"]
        settings = Settings(_env_file=None, data_dir=work / "data", secret_key="b" * 40)
        rng = random.Random(7)
        vocabulary = [w.strip(".,").lower() for w in TEXT.split()] + [
            f"term{i}" for i in range(3000)
        ]
        course_lessons = []
        started = time.perf_counter()
        for i in range(lessons):
            video_id = f"{i:024x}"
            cues_i = lesson_cues(rng, vocabulary)
            await captions_repo.save(
                db=db, video_id=video_id, language="en", label="English", cues=cues_i
            )
            course_lessons.append(
                {
                    "id": f"l{i}",
                    "title": f"Lesson {i}",
                    "kind": "video",
                    "video_id": video_id,
                    "preview": True,
                }
            )
        print(
            f"search: stored {lessons} tracks ({lessons * 150:,} cues) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        course = {
            "_id": "bench-course",
            "instructor_id": "nobody",
            "status": "published",
            "sections": [{"title": "All", "lessons": course_lessons}],
        }

        async def once(query: str) -> float:
            t = time.perf_counter()
            await search.search(
                db=db,
                settings=settings,
                course=course,
                viewer=None,
                query=query,
                language=None,
                limit=30,
            )
            return (time.perf_counter() - t) * 1000

        first = await once("encrypted segment")
        print(f"search: first query (indexes every track) {first:.0f} ms")
        queries = [
            "segment",
            "the",
            "player key",
            "term1234",
            "bandwidth picks",
            "sess",
            "variant playlist",
        ]
        warm = [await once(rng.choice(queries)) for _ in range(300)]
        changed = []
        for i in range(20):
            # A track edited before each search: every track's version is compared again and
            # the edited one re-indexed (what the first search after any caption edit costs).
            edited = str(course_lessons[i]["video_id"])
            new = lesson_cues(rng, vocabulary)
            await captions_repo.save(
                db=db, video_id=edited, language="en", label="English", cues=new
            )
            changed.append(await once(rng.choice(queries)))
        for name, sample in (("steady", warm), ("first after a caption edit", changed)):
            q = statistics.quantiles(sample, n=100)
            print(f"search over {lessons} lessons, {name}: p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms")
    finally:
        await client.close()
        server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--search-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if not args.search_only:
            wav = await accuracy(work, args.threads)
        if not (args.skip_long or args.search_only):
            await long_lecture(work, wav, args.minutes, args.threads)
        await search_figures(work, args.lessons)


if __name__ == "__main__":
    asyncio.run(main())
