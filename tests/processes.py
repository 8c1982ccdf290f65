"""Helpers to run the real `coursevault` command in a temp data dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

COURSEVAULT = str(Path(sys.executable).parent / "coursevault")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Processes started by tests encode with x264's fastest preset (half the time of the
# default `veryfast` on this machine): their transcodes are setup, and the pipeline is the
# same whatever the preset. Tests that need a transcode to last pass their own.
TEST_PRESET = "ultrafast"


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSEVAULT_")}
    env.update(
        {
            "COURSEVAULT_DATA_DIR": str(data_dir),
            "COURSEVAULT_X264_PRESET": TEST_PRESET,
            "COURSEVAULT_CAPTIONS_AUTO": "false",  # as in conftest.make_settings
            **extra,
        }
    )
    return env


class Worker:
    """A standalone `coursevault worker` process."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = (data_dir.parent / f"worker-{data_dir.name}.log").open("wb")
        self.process = subprocess.Popen(
            [COURSEVAULT, "worker"],
            env=environment(data_dir, **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen worker must hear the TERM
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Server:
    """A `coursevault serve` process on a free loopback port."""

    def __init__(self, data_dir: Path, *, workers: int = 1, **env: str) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (data_dir.parent / f"serve-{self.port}.log").open("wb")
        env.setdefault("COURSEVAULT_PUBLIC_URL", self.url)  # the browser's Origin
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


def run_cli(
    data_dir: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COURSEVAULT, *args],
        env=environment(data_dir, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def create_account(
    data_dir: Path,
    email: str,
    role: str,
    *,
    password: str = "correct horse battery staple",
    **env: str,
) -> None:
    """Creates an account the way an operator does: `coursevault user create`."""
    created = run_cli(
        data_dir, "user", "create", "--email", email, "--name", email.split("@")[0],
        "--role", role, stdin=password + "\n", **env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr


def sign_up(
    url: str, email: str, role: str = "student", *, password: str = "correct horse battery staple"
) -> None:
    """Creates a student or instructor account the way a visitor does, over HTTP against a
    running server (the CLI's `user create` costs a process start per account)."""
    answer = httpx.post(
        f"{url}/api/auth/register",
        json={"email": email, "password": password, "name": email.split("@")[0], "role": role},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text


def wait_port_free(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"port {port} still answers after {timeout}s")


def upload_until_ready(
    url: str, email: str, password: str, data: bytes, timeout: float = 300, forensic: bool = False
) -> str:
    """Signs in to a running server, uploads DATA through tus, waits for `ready`; returns the id."""
    tus = {"Tus-Resumable": "1.0.0"}
    with httpx.Client(base_url=url, timeout=120) as client:
        token = client.post("/api/auth/login", json={"email": email, "password": password}).json()[
            "access_token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        video = client.post(
            "/api/videos", json={"title": "v", "forensic": forensic}, headers=auth
        ).json()
        location = client.post(
            video["upload_url"], headers={**auth, **tus, "Upload-Length": str(len(data))}
        ).headers["Location"]
        patched = client.patch(
            location,
            content=data,
            headers={
                **auth,
                **tus,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert patched.status_code == 204, patched.text
        deadline = time.monotonic() + timeout
        while True:
            status = client.get(f"/api/videos/{video['id']}", headers=auth).json()
            if status["status"] == "ready":
                return str(video["id"])
            if status["status"] == "failed" or time.monotonic() > deadline:
                raise RuntimeError(f"video did not become ready: {status}")
            time.sleep(0.2)


@dataclass
class Viewer:
    playlist_url: str
    access_cookie: str  # the viewer's `cv_access` cookie, as a browser would send it
    session_id: str
    key_secret: str | None  # session-bound keys: what only our player receives


def enrolled_playback(
    url: str,
    *,
    teacher_email: str,
    student_email: str,
    password: str,
    video_id: str,
    policy: dict[str, object] | None = None,
    checkpoint_at: float | None = None,
) -> Viewer:
    """Over HTTP: the teacher publishes a free course with VIDEO_ID as a lesson (and POLICY,
    and a one-question checkpoint at CHECKPOINT_AT seconds), the student enrolls and starts
    playing it (signed in with cookies, like the web app)."""
    with httpx.Client(base_url=url, timeout=60) as teacher:
        login = teacher.post("/api/auth/login", json={"email": teacher_email, "password": password})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        teacher.cookies.clear()
        course = teacher.post(
            "/api/courses", json={"title": "Course", "policy": policy or {}}, headers=auth
        ).json()
        section = teacher.post(
            f"/api/courses/{course['id']}/sections", json={"title": "One"}, headers=auth
        ).json()["id"]
        lesson = teacher.post(
            f"/api/courses/{course['id']}/sections/{section}/lessons",
            json={"title": "Video", "kind": "video", "video_id": video_id},
            headers=auth,
        ).json()["id"]
        if checkpoint_at is not None:
            quiz = teacher.post(
                f"/api/lessons/{lesson}/checkpoints", json={"at": checkpoint_at}, headers=auth
            ).json()
            question = {"type": "true_false", "stem": "Ready?", "truth": True}
            saved = teacher.put(
                f"/api/quizzes/{quiz['id']}/questions",
                json={"version": quiz["version"], "questions": [question]},
                headers=auth,
            )
            assert saved.status_code == 200, saved.text
        published = teacher.post(f"/api/courses/{course['id']}/publish", headers=auth)
        assert published.status_code == 200, published.text
    with httpx.Client(base_url=url, timeout=60) as student:
        student.post("/api/auth/login", json={"email": student_email, "password": password})
        csrf = {"X-CSRF-Token": student.cookies["cv_csrf"]}
        enrolled = student.post(f"/api/courses/{course['id']}/enroll", headers=csrf)
        assert enrolled.status_code in (200, 201), enrolled.text
        started = student.post(f"/api/lessons/{lesson}/playback", headers=csrf)
        assert started.status_code == 201, started.text
        return Viewer(
            key_secret=started.json()["key_secret"],
            playlist_url=started.json()["playlist_url"],
            access_cookie=student.cookies["cv_access"],
            session_id=started.json()["session_id"],
        )
