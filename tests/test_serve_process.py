"""The real `coursevault serve` and CLI processes, with the embedded database on disk."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from coursevault.database import embedded_server
from tests.processes import COURSEVAULT, Server, environment, run_cli, wait_port_free

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.slow


def sign_in(url: str, email: str, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(f"{url}/api/auth/login", json={"email": email, "password": password})


def me(url: str, token: str) -> httpx.Response:
    return httpx.get(f"{url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_serve_with_two_workers_cli_restart_and_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = Server(data_dir, workers=2)
    try:
        health = httpx.get(f"{server.url}/healthz").json()
        assert health == {"status": "ok", "database": "embedded", "disk": "ok"}
        response = httpx.post(
            f"{server.url}/api/auth/register",
            json={"email": "ann@example.com", "password": PASSWORD, "name": "Ann"},
        )
        assert response.status_code == 202
        login = sign_in(server.url, "ann@example.com")
        assert login.status_code == 200
        token = login.json()["access_token"]
        # Requests spread over both workers all see the same session.
        assert all(me(server.url, token).status_code == 200 for _ in range(10))

        # The CLI works while the server runs, against the same embedded database.
        created = run_cli(
            data_dir,
            "user",
            "create",
            "--email",
            "Admin@Example.com",
            "--name",
            "Admin",
            "--role",
            "admin",
            stdin=PASSWORD + "\n",
        )
        assert created.returncode == 0, created.stderr
        assert "admin@example.com" in created.stdout
        admin = sign_in(server.url, "admin@example.com").json()["access_token"]
        users = httpx.get(
            f"{server.url}/api/admin/users", headers={"Authorization": f"Bearer {admin}"}
        )
        assert users.json()["total"] == 2
        duplicate = run_cli(
            data_dir,
            "user",
            "create",
            "--email",
            "ann@example.com",
            "--name",
            "A",
            stdin=PASSWORD + "\n",
        )
        assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    finally:
        assert server.stop() == 0
    wait_port_free(server.port)
    assert embedded_server.find_running(data_dir) is None  # stopped with serve

    # The CLI works with no server running: it starts the database and stops it again.
    promoted = run_cli(data_dir, "user", "set-role", "ann@example.com", "instructor")
    assert promoted.returncode == 0, promoted.stderr
    assert embedded_server.find_running(data_dir) is None
    missing = run_cli(data_dir, "user", "set-role", "nobody@example.com", "admin")
    assert missing.returncode == 1 and "No account" in missing.stderr

    # After a restart: same data, same secret (the old access token still works).
    server = Server(data_dir)
    try:
        assert me(server.url, token).json()["roles"] == ["instructor"]
        assert sign_in(server.url, "ann@example.com").status_code == 200
        response = httpx.post(
            f"{server.url}/api/auth/register",
            json={"email": "bob@example.com", "password": PASSWORD, "name": "Bob"},
        )
        assert response.status_code == 202
    finally:
        server.stop(signal.SIGKILL)
    # kill -9 of serve: its workers and database notice and stop; nothing written is lost.
    wait_port_free(server.port)
    server = Server(data_dir)
    try:
        assert sign_in(server.url, "bob@example.com").status_code == 200
    finally:
        server.stop()


def test_production_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "data", "user", "set-role", "x@example.com", "admin")
    assert result.returncode == 1  # development: works, the account just does not exist
    started = subprocess.run(
        [COURSEVAULT, "serve", "--port", "1"],
        env=environment(tmp_path / "data", COURSEVAULT_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 2
    assert "COURSEVAULT_SECRET_KEY" in started.stderr


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_D3_the_database_outlives_the_worker_that_restarted_it(tmp_path: Path) -> None:
    """With two workers, the embedded database killed (-9) is restarted by one of them;
    when that worker dies too, the database stays, on its address, and every request
    answers (it died with the worker and half the requests failed until a restart)."""
    data_dir = tmp_path / "data"
    server = Server(data_dir, workers=2)
    try:
        first = embedded_server.find_running(data_dir)
        assert first is not None
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while (again := embedded_server.find_running(data_dir)) is None or again.pid == first.pid:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)
        assert again.uri == first.uri
        restarter = _parent_of(again.pid)
        assert restarter != server.process.pid  # a worker restarted it
        os.kill(restarter, signal.SIGKILL)
        time.sleep(3)  # granian respawns the worker; the database supervisors poll each second
        answers = [httpx.get(f"{server.url}/api/courses").status_code for _ in range(40)]
        assert answers == [200] * 40, answers
        still = embedded_server.find_running(data_dir)
        assert still is not None and (still.pid, still.uri) == (again.pid, first.uri)
    finally:
        assert server.stop() == 0
    wait_port_free(server.port)
    deadline = time.monotonic() + 10  # it still ends with serve (it checks each second)
    while embedded_server.find_running(data_dir) is not None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
