"""The re-package window, end to end against a real `coursevault serve` (F7, F8): a course
that chose to play unmarked while its video's variants are made serves a learner at once
and records the session; the copy that learner's HLS client takes is traced later, once
the variants exist, as coming from an unmarked stream, and the answer lists the session."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from coursevault.ffmpeg.binary import ffmpeg_path
from tests.conftest import TEST_SECRET
from tests.media_helpers import make_clip
from tests.processes import (
    Server,
    Worker,
    create_account,
    enrolled_playback,
    sign_up,
    upload_until_ready,
)

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
SECONDS = 90  # 15 segments of 6 s: the strength of the mark is judged over at least 6


def bearer(url: str, email: str) -> dict[str, str]:
    login = httpx.post(f"{url}/api/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_F7_F8_a_copy_from_the_unmarked_window_is_traced_as_unmarked_with_its_session(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    create_account(data_dir, "root@example.com", "admin")
    env = {"COURSEVAULT_SECRET_KEY": TEST_SECRET, "COURSEVAULT_INPROCESS_WORKER": "false"}
    server = Server(
        data_dir, COURSEVAULT_SECRET_KEY=TEST_SECRET, COURSEVAULT_INPROCESS_WORKER="false"
    )
    worker = Worker(data_dir, **env)
    try:
        sign_up(server.url, "t@example.com", "instructor")
        sign_up(server.url, "ann@example.com")
        clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=SECONDS, rate=15)
        video_id = upload_until_ready(server.url, "t@example.com", PASSWORD, clip.read_bytes())
        worker.stop()  # the re-package the policy queues waits: the window stays open
        viewer = enrolled_playback(
            server.url, teacher_email="t@example.com", student_email="ann@example.com",
            password=PASSWORD, video_id=video_id,
            policy={"key_protection": "standard", "forensic_watermark": True,
                    "unmarked_start": "play_unmarked"},
        )  # fmt: skip
        copy = tmp_path / "ann.mp4"
        subprocess.run(
            [
                ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
                "-headers", f"Cookie: cv_access={viewer.access_cookie}\r\n",
                "-i", server.url + viewer.playlist_url, "-map", "0:v:0",
                "-vf", "scale=854:480", "-c:v", "libx264", "-b:v", "1M",
                "-preset", "ultrafast", "-y", str(copy),
            ],
            check=True,
            timeout=120,
        )  # fmt: skip
        # Later the variants are made; the copy is traced against them.
        worker = Worker(data_dir, **env)
        auth = bearer(server.url, "t@example.com")
        deadline = time.monotonic() + 180
        while not httpx.get(f"{server.url}/api/videos/{video_id}", headers=auth).json()[
            "forensic_watermark"
        ]:
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.5)
        answer = httpx.post(
            f"{server.url}/api/admin/trace/{video_id}",
            content=copy.read_bytes(),
            headers=bearer(server.url, "root@example.com"),
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert not body["found"] and body["unmarked"], body["report"]
        assert [s["session_id"] for s in body["unmarked_sessions"]] == [viewer.session_id]
        assert body["unmarked_sessions"][0]["account"] == "ann@example.com"
        assert body["window_start"] is not None
    finally:
        worker.stop()
        server.stop()
