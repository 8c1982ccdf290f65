"""The platform while its database is unreachable: real PyMongo through a relay the test cuts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from coursevault import background_work
from coursevault.config import Settings
from coursevault.database import embedded_server
from coursevault.database.db import Database, Document
from coursevault.jobs.worker import Worker
from tests.factories import SignedIn, signed_in
from tests.tcp_proxy import CuttableProxy


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"db_timeout_seconds": 1.0}


async def set_up_student(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    """A signed-in student before the outage. Under the tight 1 s bound a loaded machine
    can answer the sign-in itself with a 503 (its database took longer): that is the
    behaviour under test, not the set-up, so the set-up asks again, as the message says."""
    for _ in range(2):
        with contextlib.suppress(AssertionError):
            return await signed_in(client, db, settings)
    return await signed_in(client, db, settings)


async def test_a_frozen_database_answers_503_within_the_bound_and_recovers(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    student = await set_up_student(client, db, settings)
    assert (await client.get("/api/courses")).status_code == 200
    running = embedded_server.find_running(settings.data_dir)
    assert running is not None
    os.kill(running.pid, signal.SIGSTOP)  # frozen, not down: connections stay open
    try:
        for path, headers in (("/api/courses", {}), ("/api/me/courses", student.bearer)):
            began = time.monotonic()
            async with asyncio.timeout(10):  # before the bound existed, this waited forever
                response = await client.get(path, headers=headers)
            took = time.monotonic() - began
            assert response.status_code == 503, path
            assert response.json()["error"]["code"] == "database_unavailable"
            assert took < 4 * settings.db_timeout_seconds, (path, took)
    finally:
        os.kill(running.pid, signal.SIGCONT)
    assert (await client.get("/api/courses")).status_code == 200


@pytest.fixture
async def proxy(db: Database, settings: Settings) -> AsyncIterator[CuttableProxy]:
    running = embedded_server.find_running(settings.data_dir)
    assert running is not None
    relay = CuttableProxy(int(running.uri.rsplit(":", 1)[1].split("/")[0]))
    await relay.start()
    yield relay
    await relay.cut()


async def test_a_worker_logs_one_line_per_outage_and_one_when_it_ends(
    proxy: CuttableProxy, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{proxy.port}/?directConnection=true",
        serverSelectionTimeoutMS=300,
        connectTimeoutMS=300,
    )
    fast = settings.model_copy(update={"job_poll_seconds": 0.05})
    worker = Worker(
        db=client[settings.mongodb_database], settings=fast, job_types=background_work.JOB_TYPES
    )
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="coursevault.jobs.worker")
    running = asyncio.create_task(worker.run_forever(stop))
    try:
        await asyncio.sleep(0.5)  # polling a healthy database: nothing to say
        await proxy.cut()
        await asyncio.sleep(4)  # several failed polls
        await proxy.restore()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "reachable again" not in caplog.text:
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await running
        await client.close()
    lines = [r for r in caplog.records if r.name == "coursevault.jobs.worker"]
    assert len([r for r in lines if "unreachable" in r.getMessage()]) == 1
    assert len([r for r in lines if "reachable again" in r.getMessage()]) == 1
    assert all(r.exc_info is None for r in lines), "no traceback per poll"
    assert not [r for r in lines if r.levelno >= logging.ERROR]


async def test_an_embedded_database_killed_with_sigkill_is_restarted_on_its_data(
    client: httpx.AsyncClient, db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="coursevault.database.db")
    student = await set_up_student(client, db, settings)
    killed = embedded_server.find_running(settings.data_dir)
    assert killed is not None
    os.kill(killed.pid, signal.SIGKILL)  # as the OOM killer would
    answers: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = await client.get("/api/auth/me", headers=student.bearer)
        answers.append(response.status_code)
        if response.status_code == 200:
            break
        assert response.status_code == 503  # meanwhile: the error shape, never a hang or 500
        await asyncio.sleep(0.2)
    assert answers[-1] == 200, answers
    # The same data (the account signed up before the kill), on the same address.
    assert (await client.get("/api/auth/me", headers=student.bearer)).json()["email"] == (
        student.user.email
    )
    restarted = embedded_server.find_running(settings.data_dir)
    assert restarted is not None and restarted.pid != killed.pid
    assert restarted.uri == killed.uri
    assert "is gone; restarting it" in caplog.text and "running again" in caplog.text


async def test_D2_a_frozen_database_makes_playlists_and_segments_503_not_500(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    ready_video: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The media routes answer a frozen database like every other route: 503 in the
    error shape, never a 500 with a traceback (D2)."""
    from coursevault.streaming import service as playback
    from coursevault.streaming.models import StreamPolicy

    student = await set_up_student(client, db, settings)
    started = await playback.start(
        db=db, settings=settings, user=student.user, video_id=ready_video,
        policy=StreamPolicy(max_concurrent_streams=2), device="test", ip="127.0.0.1",
    )  # fmt: skip
    master = await client.get(started.playlist_url)
    assert master.status_code == 200, master.text
    base = started.playlist_url.rsplit("/", 1)[0]
    variant = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    playlist = await client.get(f"{base}/{variant}")
    segment = next(line for line in playlist.text.splitlines() if line.endswith(".ts"))
    running = embedded_server.find_running(settings.data_dir)
    assert running is not None
    await asyncio.sleep(6)  # past the 5 s caches: the next requests must ask the database
    os.kill(running.pid, signal.SIGSTOP)
    try:
        for path in (started.playlist_url, f"{base}/{variant}", f"{base}/{segment}", f"{base}/key"):
            async with asyncio.timeout(10):
                response = await client.get(path, headers=student.bearer)
            assert response.status_code == 503, (path, response.text)
            assert response.json()["error"]["code"] == "database_unavailable"
    finally:
        os.kill(running.pid, signal.SIGCONT)
    assert (await client.get(f"{base}/{segment}")).status_code == 200
    # Each refusal is logged, without the media token that would open the stream.
    token = started.playlist_url.split("/")[2]
    assert caplog.text.count("database unavailable on GET /hls/") == 4
    assert token not in caplog.text
