"""Helpers to run the real `coursevault` command in a temp data dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

COURSEVAULT = str(Path(sys.executable).parent / "coursevault")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSEVAULT_")}
    env.update({"COURSEVAULT_DATA_DIR": str(data_dir), **extra})
    return env


class Server:
    """A `coursevault serve` process on a free loopback port."""

    def __init__(self, data_dir: Path, *, workers: int = 1, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (data_dir.parent / f"serve-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [COURSEVAULT, "serve", "--port", str(self.port), "--workers", str(workers)],
            env=environment(data_dir, **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"serve did not become healthy: {self.output()}")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self.log.close()
        return code


def run_cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COURSEVAULT, *args],
        env=environment(data_dir),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def wait_port_free(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"port {port} still answers after {timeout}s")


def upload_until_ready(
    url: str, email: str, password: str, data: bytes, timeout: float = 300
) -> str:
    """Signs in to a running server, uploads DATA through tus, waits for `ready`; returns the id."""
    tus = {"Tus-Resumable": "1.0.0"}
    with httpx.Client(base_url=url, timeout=120) as client:
        token = client.post("/api/auth/login", json={"email": email, "password": password}).json()[
            "access_token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        video = client.post("/api/videos", json={"title": "v"}, headers=auth).json()
        location = client.post(
            video["upload_url"], headers={**auth, **tus, "Upload-Length": str(len(data))}
        ).headers["Location"]
        patched = client.patch(
            location,
            content=data,
            headers={**auth, **tus, "Upload-Offset": "0",
                     "Content-Type": "application/offset+octet-stream"},
        )  # fmt: skip
        assert patched.status_code == 204, patched.text
        deadline = time.monotonic() + timeout
        while True:
            status = client.get(f"/api/videos/{video['id']}", headers=auth).json()
            if status["status"] == "ready":
                return str(video["id"])
            if status["status"] == "failed" or time.monotonic() > deadline:
                raise RuntimeError(f"video did not become ready: {status}")
            time.sleep(0.2)


def start_playback(data_dir: Path, secret: str, email: str, video_id: str) -> str:
    """Opens a playback session for EMAIL through the service (until lessons exist); returns
    the playlist URL path. Talks to the running server's embedded database."""
    import asyncio

    from coursevault import db as database
    from coursevault.auth import service as auth
    from coursevault.config import Settings
    from coursevault.streaming import service as playback
    from coursevault.streaming.models import StreamPolicy

    settings = Settings(_env_file=None, data_dir=data_dir, secret_key=secret)

    async def open_session() -> str:
        connection = await database.connect(settings)
        try:
            viewer = await auth.get_by_email(db=connection.db, email=email)
            assert viewer is not None
            started = await playback.start(
                db=connection.db, settings=settings, user=viewer, video_id=video_id,
                policy=StreamPolicy(max_concurrent_streams=settings.max_concurrent_streams),
                device="test client", ip="127.0.0.1",
            )  # fmt: skip
            return started.playlist_url
        finally:
            await connection.close()

    return asyncio.run(open_session())
