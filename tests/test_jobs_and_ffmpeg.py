"""Jobs survive a dead worker; ffmpeg is killed on timeout and leaves no process behind."""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import coursevault
from coursevault import background_work, repos
from coursevault.app import create_app
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.ffmpeg import runner
from coursevault.ffmpeg.ladder import plan_renditions
from coursevault.jobs import repo as jobs_repo
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobType
from coursevault.jobs.worker import Worker
from coursevault.mail import jobs as mail_jobs
from coursevault.mail.message import compose
from tests.conftest import TEST_SECRET
from tests.factories import SignedIn, signed_in
from tests.media_helpers import (
    ffmpeg_children_of,
    ffmpeg_processes,
    leftovers,
    make_clip,
    new_video,
    upload_file,
    wait_for_video,
)
from tests.media_helpers import local_store as media_storage
from tests.processes import COURSEVAULT, environment


def _declared_job_types() -> list[JobType]:
    """Every JobType any coursevault module declares at its top level."""
    found = []
    for info in pkgutil.walk_packages(coursevault.__path__, "coursevault."):
        module = importlib.import_module(info.name)
        found += [v for v in vars(module).values() if isinstance(v, JobType)]
    return found


def test_every_declared_job_type_is_wired_with_sane_limits() -> None:
    wired = background_work.JOB_TYPES
    assert {t.kind for t in wired} == {
        "transcode",
        "mail.send",
        "auth.mail_verification",
        "auth.mail_reset",
        "auth.mail_signup_attempt",
        "transcribe",
        "gifts.mail_claim_link",
        "teams.mail_seat_invitation",
    }
    assert len({t.kind for t in wired}) == len(wired)
    for declared in _declared_job_types():
        assert declared in wired, f"{declared.kind} is declared but no worker runs it"
    for job_type in wired:
        assert callable(job_type.handler)
        assert job_type.max_attempts >= 1 and job_type.lease_seconds > 0
        assert job_type.on_failure is not None  # a failed job is recorded where people look


def test_every_repo_index_setup_is_wired() -> None:
    src = Path(coursevault.__file__).parent
    for path in sorted(src.glob("*/repo.py")):
        module = importlib.import_module(f"coursevault.{path.parent.name}.repo")
        if hasattr(module, "create_indexes"):
            assert module.create_indexes in repos.INDEX_SETUPS, f"{path} is not in repos.py"


async def test_a_worker_never_claims_a_kind_it_does_not_run(
    db: Database, settings: Settings
) -> None:
    job_id, created = await jobs_repo.enqueue(
        db=db, kind="mine-bitcoin", payload={}, entity="x", max_attempts=1
    )
    assert created
    worker = Worker(db=db, settings=settings, job_types=background_work.JOB_TYPES)
    assert await worker.run_once() is False
    job = await db.jobs.find_one({"_id": job_id})
    assert job is not None and job["state"] == "queued" and job["attempts"] == 0


async def test_a_job_queued_once_by_name_is_queued_once(db: Database) -> None:
    """Two handlers announcing one payment queue one receipt (enqueue's `once`)."""
    message = compose(to="a@example.com", subject="Receipt", greeting="Hi", paragraphs=[])
    ids = await asyncio.gather(
        *(
            jobs.enqueue(db=db, job_type=mail_jobs.SEND, payload=message, entity="x", once="o1")
            for _ in range(4)
        )
    )
    assert set(ids) == {"mail.send:o1"}
    assert await db.jobs.count_documents({}) == 1
    other = await jobs.enqueue(db=db, job_type=mail_jobs.SEND, payload=message, entity="x")
    assert other != "mail.send:o1" and await db.jobs.count_documents({}) == 2


def test_an_idle_worker_polls_at_its_interval_in_every_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test (and each `asyncio.run`) has its own loop; a worker's wake-up event must
    belong to its own loop, or every idle worker after the first busy-polls the database."""
    claims = 0
    claim = jobs_repo.claim

    async def counting(**kwargs: Any) -> Any:
        nonlocal claims
        claims += 1
        return await claim(**kwargs)

    monkeypatch.setattr(jobs_repo, "claim", counting)

    async def idle_second() -> int:
        nonlocal claims
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0.3)
            claims = 0
            await asyncio.sleep(1.0)
            return claims

    counts = [asyncio.run(idle_second()) for _ in range(2)]
    # job_poll_seconds is 0.2: about 5 claims a second, not hundreds.
    assert all(1 <= n <= 12 for n in counts), counts


def test_ladder_never_upscales_and_names_rungs_by_the_short_side() -> None:
    assert [r.name for r in plan_renditions(1920, 1080)] == [
        "240p",
        "360p",
        "480p",
        "720p",
        "1080p",
    ]
    assert [r.name for r in plan_renditions(3840, 2160)][-1] == "1080p"
    assert [(r.width, r.height) for r in plan_renditions(1080, 1920)][-1] == (1080, 1920)
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in plan_renditions(853, 479))


@pytest.mark.parametrize(
    ("code", "stderr", "permanent"),
    [
        (1, "src.mp4: Invalid data found when processing input", True),
        (1, "Protocol not on whitelist 'file'!", True),
        (1, "Error writing trailer: No space left on device", False),
        (-9, "", False),
        (1, "something odd happened", False),
    ],
)
def test_ffmpeg_failures_are_classified(code: int, stderr: str, permanent: bool) -> None:
    assert runner.classify(code, stderr).permanent is permanent


async def test_ffmpeg_is_killed_at_its_timeout_and_leaves_no_process() -> None:
    before = ffmpeg_processes()
    args = ["-nostdin", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "null", "-"]
    started = time.monotonic()
    with pytest.raises(runner.FFmpegFailed) as failure:
        await runner.run(args, timeout=1.0)
    assert time.monotonic() - started < 10
    assert failure.value.permanent and "longer than the limit" in str(failure.value)
    assert ffmpeg_processes() - before == set()


async def test_cancelling_ffmpeg_kills_it() -> None:
    before = ffmpeg_processes()
    args = ["-nostdin", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "null", "-"]
    task = asyncio.create_task(runner.run(args, timeout=60))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ffmpeg_processes() - before == set()


async def uploaded_long_clip(
    client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path
) -> tuple[SignedIn, dict[str, Any]]:
    """An instructor and their 20 s 720p upload: long enough to catch its transcode midway."""
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    clip = make_clip(tmp_path / "long.mp4", size="1280x720", seconds=20, rate=30)
    video = await new_video(client, teacher.bearer)
    await upload_file(
        client, teacher.bearer, video["upload_url"], clip.read_bytes(), chunk_size=4 << 20
    )
    return teacher, video


@pytest.mark.parametrize("settings_overrides", [{"inprocess_worker": False}])
async def test_D4_a_killed_worker_s_job_is_reclaimed_and_crashes_cost_no_attempt(
    client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path
) -> None:
    """Three workers killed mid-transcode (more than the job's three attempts) and the
    video still becomes ready: a crash is not the job's failure (D4, U3)."""
    teacher, video = await uploaded_long_clip(client, db, settings, tmp_path)

    env = environment(
        settings.data_dir,
        COURSEVAULT_MONGODB_DATABASE=settings.mongodb_database,
        COURSEVAULT_SECRET_KEY=TEST_SECRET,
        COURSEVAULT_JOB_LEASE_SECONDS="2",
        COURSEVAULT_JOB_POLL_SECONDS="0.2",
        COURSEVAULT_X264_PRESET="slow",  # slow enough to be caught mid-job
    )
    for crash in range(1, 4):
        worker = subprocess.Popen([COURSEVAULT, "worker"], env=env, stderr=subprocess.DEVNULL)
        try:
            async with asyncio.timeout(60):
                while not ffmpeg_children_of(worker.pid):
                    await asyncio.sleep(0.1)
            encoders = ffmpeg_children_of(worker.pid)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        # The kernel ends the orphaned encoder with its worker (no stray ffmpeg).
        async with asyncio.timeout(10):
            while any(os.path.exists(f"/proc/{pid}") for pid in encoders):
                await asyncio.sleep(0.1)
        job = await db.jobs.find_one({"entity": f"video:{video['id']}"})
        assert job is not None and job["state"] == "running"
        # The first run counts its attempt until it is known to have died; each takeover
        # gives the dead run's attempt back.
        assert (job["attempts"], job.get("interrupted", 0)) == (1, crash - 1)
    processing, _ = await wait_for_video(client, teacher.bearer, video["id"], until=("processing",))
    assert processing["status"] == "processing"

    # Another worker finds nothing while the dead worker's lease lasts, then takes over.
    fast = Settings(**{**settings.model_dump(), "job_lease_seconds": 2, "x264_preset": "ultrafast"})
    rescuer = Worker(db=db, settings=fast, job_types=background_work.JOB_TYPES)
    async with asyncio.timeout(30):
        while not await rescuer.run_once():
            await asyncio.sleep(0.2)
    ready, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert ready["status"] == "ready", ready["error"]
    job = await db.jobs.find_one({"entity": f"video:{video['id']}"})
    assert job is not None and job["state"] == "done"
    assert (job["attempts"], job["interrupted"]) == (1, 3)
    assert leftovers(settings) == []
    assert [r["name"] for r in ready["renditions"]] == ["240p", "360p", "480p", "720p"]


@pytest.mark.parametrize("settings_overrides", [{"x264_preset": "veryfast"}])  # must last
async def test_deleting_a_video_while_it_transcodes_stops_the_job(
    client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path
) -> None:
    teacher, video = await uploaded_long_clip(client, db, settings, tmp_path)
    await wait_for_video(client, teacher.bearer, video["id"], until=("processing", "ready"))
    assert (
        await client.delete(f"/api/videos/{video['id']}", headers=teacher.bearer)
    ).status_code == 204
    job = await db.jobs.find_one({"entity": f"video:{video['id']}"})
    assert job is not None and job["state"] == "cancelled"
    store = media_storage(settings)
    async with asyncio.timeout(30):  # the worker notices at its next heartbeat
        while store.work_dir(video["id"]).exists():
            await asyncio.sleep(0.2)
    assert not store.media_dir(video["id"]).exists()
    assert await db.videos.find_one({"_id": video["id"]}) is None


def test_cli_video_import_runs_the_same_pipeline(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    clip = make_clip(tmp_path / "import me.mp4", size="320x180", seconds=2)
    create = subprocess.run(
        [
            COURSEVAULT,
            "user",
            "create",
            "--email",
            "t@example.com",
            "--name",
            "T",
            "--role",
            "instructor",
        ],
        input="correct horse battery staple\n",
        env=environment(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert create.returncode == 0, create.stderr
    result = subprocess.run(
        [
            COURSEVAULT,
            "video",
            "import",
            str(clip),
            "--owner",
            "t@example.com",
            "--title",
            "Imported",
        ],
        env=environment(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "is ready" in result.stdout and "180p" in result.stdout
    bad = tmp_path / "notes.mp4"
    bad.write_text("just text")
    failed = subprocess.run(
        [COURSEVAULT, "video", "import", str(bad), "--owner", "t@example.com", "--title", "Bad"],
        env=environment(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert failed.returncode == 1 and "not a supported video" in failed.stderr
