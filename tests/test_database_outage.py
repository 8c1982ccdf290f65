"""The platform while its database is unreachable: real PyMongo through a relay the test cuts."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from coursevault import background_work, embedded_server
from coursevault.config import Settings
from coursevault.db import Database, Document
from coursevault.jobs.worker import Worker
from tests.factories import signed_in
from tests.tcp_proxy import CuttableProxy


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"db_timeout_seconds": 1.0}


async def test_a_frozen_database_answers_503_within_the_bound_and_recovers(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    student = await signed_in(client, db, settings)
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
    caplog.set_level(logging.INFO, logger="coursevault.db")
    student = await signed_in(client, db, settings)
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
