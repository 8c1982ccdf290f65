"""How many simulated viewers one machine holds (prints, asserts nothing).

Each viewer behaves like hls.js on a 720p ladder: start a lesson (enrolled in a free
course, two streams per account), fetch the
master and variant playlists and the key, then one segment every 6 s and a heartbeat
every 30 s. Stages double N; a stage passes with no errors and p99 segment latency under
250 ms. Client and server share this machine's cores, so the figure is a floor.

    PYTHONPATH=. .venv/bin/python bench/viewers.py [--stages 25,50,100,200,400] [--seconds 36]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import m3u8

from coursevault import db as database
from coursevault.auth import service as auth
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.courses import access as lesson_access
from coursevault.courses import outline
from coursevault.courses import service as courses
from coursevault.courses.models import CourseCreate, LessonCreate, LessonKind
from coursevault.enrollments import service as enrollments
from coursevault.streaming import service as playback
from tests.media_helpers import make_clip
from tests.processes import Server, run_cli, upload_until_ready

SECRET = "bench-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"
SEGMENT_EVERY = 6.0
HEARTBEAT_EVERY = 30.0
P99_TARGET_MS = 250.0


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


async def prepare_viewers(settings: Settings, lesson_id: str, count: int) -> list[tuple[str, str]]:
    """Returns (playlist path, bearer token) for COUNT viewers, two streams per enrolled
    account, each started like the web app starts a lesson (so keys re-check enrollment
    and heartbeats store progress)."""
    connection = await database.connect(settings)
    viewers = []
    try:
        for i in range((count + 1) // 2):
            user = await auth.create_user(
                db=connection.db,
                settings=settings,
                name="Viewer",
                role=Role.student,
                email=f"viewer{i}-{time.time_ns()}@example.com",
                password=PASSWORD,
            )
            ref = await lesson_access.lesson_ref(db=connection.db, lesson_id=lesson_id, viewer=user)
            await enrollments.enroll_free(
                db=connection.db, user_id=user.id, course_id=ref.course_id
            )
            tokens = await auth.issue_tokens(db=connection.db, settings=settings, user=user)
            for _ in range(2):
                started = await playback.start_lesson(
                    db=connection.db,
                    settings=settings,
                    user=user,
                    lesson_id=lesson_id,
                    device="bench",
                    ip="127.0.0.1",
                )
                viewers.append((started.playlist_url, tokens.access_token))
    finally:
        await connection.close()
    return viewers[:count]


async def watch(
    client: httpx.AsyncClient,
    playlist: str,
    token: str,
    until: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    base = playlist.rsplit("/", 1)[0]
    bearer = {"Authorization": f"Bearer {token}"}
    session_id = playlist.split("/")[2].split(".")[3]
    try:
        master = m3u8.loads((await client.get(playlist)).text)
        variant = m3u8.loads((await client.get(f"{base}/{master.playlists[-1].uri}")).text)
        key = await client.get(f"{base}/key", headers=bearer)
        if len(key.content) != 16:
            errors.append(f"key {key.status_code}")
            return
        segments = [s.uri for s in variant.segments]
        next_beat = time.monotonic() + HEARTBEAT_EVERY
        i = 0
        while time.monotonic() < until:
            started = time.monotonic()
            response = await client.get(f"{base}/{segments[i % len(segments)]}")
            latencies.append((time.monotonic() - started) * 1000)
            if response.status_code != 200:
                errors.append(f"segment {response.status_code}")
            if time.monotonic() >= next_beat:
                beat = await client.post(
                    f"/api/playback/{session_id}/heartbeat",
                    json={"position": i * 6},
                    headers=bearer,
                )
                if beat.status_code != 200:
                    errors.append(f"heartbeat {beat.status_code}")
                next_beat += HEARTBEAT_EVERY
            i += 1
            await asyncio.sleep(max(0.0, SEGMENT_EVERY - (time.monotonic() - started)))
    except httpx.HTTPError as exc:
        errors.append(exc.__class__.__name__)


async def stage(
    url: str, viewers: list[tuple[str, str]], seconds: float
) -> tuple[float, int, list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=len(viewers) + 10)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        until = time.monotonic() + seconds
        tasks = []
        for n, (playlist, token) in enumerate(viewers):
            tasks.append(
                asyncio.create_task(watch(client, playlist, token, until, latencies, errors))
            )
            await asyncio.sleep(SEGMENT_EVERY / len(viewers) * (n > 0))  # spread the starts
        await asyncio.gather(*tasks)
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else 0.0
    return p99, len(latencies), errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", default="25,50,100,200,400")
    parser.add_argument("--seconds", type=float, default=36)
    args = parser.parse_args()
    stages = [int(n) for n in args.stages.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        run_cli(
            data_dir,
            "user",
            "create",
            "--email",
            "t@example.com",
            "--name",
            "T",
            "--role",
            "instructor",
            stdin=PASSWORD + "\n",
        )
        server = Server(
            data_dir, workers=1, COURSEVAULT_SECRET_KEY=SECRET, COURSEVAULT_LOG_LEVEL="WARNING"
        )
        try:
            clip = make_clip(work / "clip.mp4", size="1280x720", seconds=24, rate=30).read_bytes()
            video_id = upload_until_ready(server.url, "t@example.com", PASSWORD, clip)
            settings = Settings(_env_file=None, data_dir=data_dir, secret_key=SECRET)
            lesson_id = asyncio.run(publish_lesson(settings, video_id))
            held = 0
            for n in stages:
                viewers = asyncio.run(prepare_viewers(settings, lesson_id, n))
                p99, requests, errors = asyncio.run(stage(server.url, viewers, args.seconds))
                ok = not errors and p99 < P99_TARGET_MS
                held = n if ok else held
                kinds = ", ".join(f"{k} ×{c}" for k, c in Counter(errors).most_common(3))
                verdict = "ok" if ok else "over target"
                print(
                    f"{n:5} viewers: {requests:6} segments  p99 {p99:7.1f} ms"
                    f"  errors {len(errors):4}  {verdict}  {kinds}".rstrip()
                )
                if not ok:
                    break
            print(f"largest N held (p99 < {P99_TARGET_MS:.0f} ms, no errors): {held}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
