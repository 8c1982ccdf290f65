"""What a trace opens (F5): the suspected copy handed to the admin's trace upload or to
`coursevault trace` is opened as an upload is (U2, U3): recognised by its first bytes,
probed, then read with that demuxer forced. An HLS playlist or an ffconcat script is
refused before libavformat could open a file it names.

Whether a file was opened is seen from outside: the playlists point at a named pipe, and a
thread waits on the pipe's other end; a demuxer following the list would release it."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.conftest import TEST_SECRET
from tests.course_helpers import make_course
from tests.factories import SignedIn, error_code, signed_in
from tests.processes import run_cli

REFUSED = "The file is not a supported video"


class Bait:
    """A named pipe with a thread waiting to write into it: the thread gets through only
    once something opens the pipe for reading."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
        self.path = path
        self.opened = threading.Event()
        self.waiter = threading.Thread(target=self._wait, daemon=True)
        self.waiter.start()

    def _wait(self) -> None:
        fd = os.open(self.path, os.O_WRONLY)  # blocks until a reader opens the pipe
        self.opened.set()
        os.close(fd)

    def was_opened(self) -> bool:
        """Whether anything opened the pipe; frees the waiting thread either way."""
        opened = self.opened.is_set()
        if not opened:
            reader = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            self.waiter.join(5)
            os.close(reader)
        self.waiter.join(5)
        return opened


@pytest.fixture
def baits(settings: Settings) -> Iterator[list[Bait]]:
    """Two pipes beside the admin's trace uploads (data/work), named as a playlist's
    segment (.ts) and a concat script's entry (.mp4) would be."""
    folder = settings.data_dir / "work" / f"bait-{secrets.token_hex(4)}"
    made = [Bait(folder / "clip.ts"), Bait(folder / "clip.mp4")]
    yield made
    for bait in made:
        bait.was_opened()


@pytest.fixture
async def marked_video(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, ready_video: str
) -> str:
    """A ready video with forensic variants (its course turned the watermark on)."""
    course = await make_course(db, instructor.user, video_id=ready_video)
    saved = await client.patch(
        f"/api/courses/{course.id}",
        json={"policy": {"forensic_watermark": True}},
        headers=instructor.bearer,
    )
    assert saved.status_code == 200, saved.text
    async with asyncio.timeout(60):
        while True:
            video = await client.get(f"/api/videos/{ready_video}", headers=instructor.bearer)
            if video.json()["forensic_watermark"]:
                return ready_video
            await asyncio.sleep(0.2)


HLS_HEAD = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"


def scripts(baits: list[Bait], work: Path) -> dict[str, str]:
    ts, mp4 = (b.path for b in baits)
    return {
        # Relative to the script's own folder, as the concat demuxer's safe mode wants.
        "ffconcat": f"ffconcat version 1.0\nfile '{mp4.relative_to(work)}'\n",
        "ffconcat-absolute": f"ffconcat version 1.0\nfile '{mp4}'\n",
        "hls": f"{HLS_HEAD}#EXTINF:1,\n{ts}\n#EXT-X-ENDLIST\n",
        # libavformat's HLS demuxer itself refuses segment names like this one; we refuse
        # the playlist before it gets a say.
        "hls-passwd": f"{HLS_HEAD}#EXTINF:1,\n/etc/passwd\n#EXT-X-ENDLIST\n",
    }


@pytest.mark.parametrize("kind", ["ffconcat", "ffconcat-absolute", "hls", "hls-passwd"])
async def test_F5_U3_the_trace_upload_refuses_a_playlist_before_opening_what_it_names(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    marked_video: str,
    baits: list[Bait],
    kind: str,
) -> None:
    """F5: an ffconcat script naming a file beside it was followed (the copy's decoder read that
    file); now the upload is refused as not a supported video, and nothing it names opens."""
    admin = await signed_in(client, db, settings, role=Role.admin)
    work = settings.data_dir / "work"
    before = sorted(p.name for p in work.iterdir())
    script = scripts(baits, work)[kind]
    answer = await client.post(
        f"/api/admin/trace/{marked_video}", content=script.encode(), headers=admin.bearer
    )
    assert [b.was_opened() for b in baits] == [False, False]
    assert answer.status_code == 422, answer.text
    assert error_code(answer) == "unreadable_copy"
    assert answer.json()["error"]["message"].startswith(REFUSED)
    assert sorted(p.name for p in work.iterdir()) == before  # the upload is gone too
    assert await db.forensic_marks.count_documents({}) == 0


async def test_F5_U3_coursevault_trace_refuses_a_playlist_before_opening_what_it_names(
    settings: Settings, marked_video: str, baits: list[Bait], tmp_path: Path
) -> None:
    """F5: a playlist named .m3u8 was opened as HLS by `coursevault trace`, which then read the
    segments it lists (any local path); now the command stops with the reason, status 1."""
    playlist = tmp_path / "copy.m3u8"
    playlist.write_text(scripts(baits, settings.data_dir / "work")["hls"])
    traced = await asyncio.to_thread(
        run_cli,
        settings.data_dir,
        "trace",
        str(playlist),
        "--video",
        marked_video,
        COURSEVAULT_MONGODB_DATABASE=settings.mongodb_database,
        COURSEVAULT_SECRET_KEY=TEST_SECRET,
    )
    assert [b.was_opened() for b in baits] == [False, False]
    assert traced.returncode == 1, traced.stdout + traced.stderr
    assert f"{playlist}: {REFUSED}" in traced.stderr
