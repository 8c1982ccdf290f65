"""What checkpoints cost the key endpoint (prints, asserts nothing), in one run:

  (a) uncached key requests/s (access cache off: the path a real viewer takes once per
      period) for a lesson without checkpoints and for one with a checkpoint after the
      period asked, so every key also looks up the viewer's passes; and the same with the
      5 s cache as shipped. Goal: the checkpointed lesson loses at most 10 % uncached.
  (b) after a pass, how long the next key of a period past the checkpoint takes (p50/p99
      over many learners, each refused, then passing over HTTP, then asking again), with
      the shipped 5 s cache: the pass forgets the cached "not passed" in this process.
      Goal: p99 <= 150 ms.

Needs wrk (apt-get install wrk).

    PYTHONPATH=. .venv/bin/python bench/checkpoints.py [--seconds 10] [--learners 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench import viewers
from bench.delivery import KEY_SCRIPT, wrk
from bench.procstat import cpu_seconds
from coursevault.assessments import editor
from coursevault.config import Settings
from coursevault.courses import repo as courses_repo
from coursevault.database import db as database
from coursevault.database import embedded_server
from coursevault.quizzes import editing
from coursevault.quizzes.models import CheckpointCreate, QuestionIn, QuestionType
from tests.media_helpers import make_clip
from tests.processes import Server, run_cli, upload_until_ready

SECRET = "bench-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"
CHECKPOINT_AT = 13.0  # 6 s periods (rotation 1): period 0 plays, periods 3 and on wait


async def add_checkpoint(settings: Settings, lesson_id: str) -> str:
    """A one-question (true/false) checkpoint at 13 s; returns its quiz id."""
    connection = await database.connect(settings)
    try:
        db = connection.db
        course = await courses_repo.course_of_lesson(db=db, lesson_id=lesson_id)
        assert course is not None
        quiz = await editor.add_checkpoint(
            db=db, course=course, lesson_id=lesson_id, checkpoint_in=CheckpointCreate(at=13)
        )
        question = QuestionIn(type=QuestionType.true_false, stem="Ready?", truth=True)
        await editing.put_questions(db=db, quiz=quiz, version=quiz.version, questions=[question])
        return quiz.id
    finally:
        await connection.close()


def key_rates(
    work: Path, data_dir: Path, lessons: dict[str, str], settings: Settings, seconds: int
) -> None:
    scripts = {}
    for label, lesson in lessons.items():
        pairs = asyncio.run(viewers.prepare_viewers(settings, lesson, 200))
        entries = ",\n".join(
            f'  {{"{playlist.rsplit("/", 1)[0]}/key/0", "{token}"}}' for playlist, token in pairs
        )
        scripts[label] = work / f"keys-{label}.lua"
        scripts[label].write_text(KEY_SCRIPT.format(entries=entries))
    for cache in ("0", "5"):
        server = Server(
            data_dir, workers=1, COURSEVAULT_ACCESS_CACHE_SECONDS=cache,
            COURSEVAULT_KEY_RATE_BURST="100000000", COURSEVAULT_SECRET_KEY=SECRET,
            COURSEVAULT_KEY_ROTATION_SEGMENTS="1", COURSEVAULT_LOG_LEVEL="WARNING",
        )  # fmt: skip
        try:
            found = embedded_server.find_running(data_dir)
            pids = {"app": server.process.pid, "db": found.pid if found else 0}
            rates = {}
            for label, script in scripts.items():
                before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                rates[label] = k = wrk(f"{server.url}/", seconds, 32, script=script)
                used = {
                    name: (cpu_seconds(pid) - before[name]) / seconds for name, pid in pids.items()
                }
                print(
                    f"  access cache {cache} s, {label:14} {k['rps']:7.0f} req/s"
                    f"  p99 {k['p99']:6.1f} ms  non-2xx {k['errors']:.0f}"
                    f"  CPU app {used['app']:.0%} db {used['db']:.0%}"
                )
            ratio = rates["checkpointed"]["rps"] / (rates["plain"]["rps"] or 1)
            print(f"  -> checkpointed / plain at cache {cache} s: {ratio:.2f} (goal >= 0.90)")
        finally:
            server.stop()


def after_pass(
    data_dir: Path, settings: Settings, lesson: str, quiz_id: str, learners: int
) -> None:
    pairs = asyncio.run(viewers.prepare_viewers(settings, lesson, learners * 2))[::2]
    server = Server(
        data_dir, workers=1, COURSEVAULT_SECRET_KEY=SECRET, COURSEVAULT_KEY_ROTATION_SEGMENTS="1",
        COURSEVAULT_KEY_RATE_BURST="100000000", COURSEVAULT_LOG_LEVEL="WARNING",
    )  # fmt: skip
    waits = []
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for playlist, token in pairs:
                auth = {"Authorization": f"Bearer {token}"}
                key = f"{playlist.rsplit('/', 1)[0]}/key/3"
                assert client.get(key, headers=auth).status_code == 403
                attempt = client.post(f"/api/quizzes/{quiz_id}/attempts", headers=auth).json()
                question = attempt["questions"][0]["id"]
                client.put(
                    f"/api/attempts/{attempt['id']}/answers/{question}",
                    json={"truth": True},
                    headers=auth,
                )
                client.post(f"/api/attempts/{attempt['id']}/submit", headers=auth)
                started = time.perf_counter()
                answer = client.get(key, headers=auth)
                waits.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
    finally:
        server.stop()
    waits.sort()
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    print(
        f"  first key after a pass, {len(waits)} learners: p50 {statistics.median(waits):.1f} ms"
        f"  p99 {p99:.1f} ms (goal <= 150 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--learners", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        run_cli(
            data_dir, "user", "create", "--email", "t@example.com", "--name", "T",
            "--role", "instructor", stdin=PASSWORD + "\n",
        )  # fmt: skip
        settings = Settings(_env_file=None, secret_key=SECRET, data_dir=data_dir)
        app = Server(data_dir, workers=1, COURSEVAULT_SECRET_KEY=SECRET,
                     COURSEVAULT_KEY_ROTATION_SEGMENTS="1")  # fmt: skip
        try:
            clip = make_clip(work / "clip.mp4", size="320x180", seconds=20).read_bytes()
            video_id = upload_until_ready(app.url, "t@example.com", PASSWORD, clip)
            plain = asyncio.run(viewers.publish_lesson(settings, video_id))
            checked = asyncio.run(viewers.publish_lesson(settings, video_id))
            quiz_id = asyncio.run(add_checkpoint(settings, checked))
        finally:
            app.stop()
        print("(a) key endpoint, 200 sessions in turn, session-bound keys, 6 s periods")
        key_rates(work, data_dir, {"plain": plain, "checkpointed": checked}, settings, args.seconds)
        print("(b) the next key after passing a checkpoint (cache 5 s, as shipped)")
        after_pass(data_dir, settings, checked, quiz_id, args.learners)
        asyncio.run(quizzes_repo_count(settings))


async def quizzes_repo_count(settings: Settings) -> None:
    connection = await database.connect(settings)
    try:
        passed = await connection.db.quiz_results.count_documents({"passed": True})
        print(f"  passes stored: {passed}")
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
