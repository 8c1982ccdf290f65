"""Uploads at the edges of what the ladder expects (D5): a picture track of one frame under
a long sound, and the progress an instructor watches while the storyboard is made."""

from __future__ import annotations

import asyncio
import io
import subprocess
from pathlib import Path
from typing import Any

import av
import httpx
import m3u8
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.ffmpeg.binary import ffmpeg_path
from tests.factories import signed_in
from tests.media_helpers import (
    decrypt_segment,
    make_clip,
    new_video,
    plain_key,
    upload_file,
    wait_for_video,
)
from tests.media_helpers import local_store as media_storage


def one_frame_and_a_talk(path: Path, seconds: int) -> Path:
    """One 320x240 frame, then SECONDS of sound: a slide with a recorded talk."""
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.04",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path


async def test_D5_a_one_frame_picture_under_a_long_sound_is_packaged_to_the_end(
    client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    clip = one_frame_and_a_talk(tmp_path / "talk.mp4", seconds=20)
    await upload_file(client, teacher.bearer, video["upload_url"], clip.read_bytes())
    ready, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert ready["status"] == "ready", ready["error"]  # the storyboard failed it before
    assert ready["duration"] == pytest.approx(20, abs=0.2)
    generation = media_storage(settings).media_dir(video["id"])
    lowest = m3u8.load(str(generation / f"{ready['renditions'][0]['name']}.m3u8"))
    # The picture is held over the whole talk: segments of the usual length to the end,
    # each with a picture, so seeking and key rotation work as for any video.
    assert sum(s.duration for s in lowest.segments) == pytest.approx(20, abs=0.3)
    assert len(lowest.segments) >= 3
    last = lowest.segments[-1]
    period = int(last.key.uri.rsplit("/", 1)[1])
    key = await plain_key(db, settings, video["id"], period)
    clear = decrypt_segment(
        (generation / last.uri).read_bytes(), key, bytes.fromhex(last.key.iv[2:])
    )
    with av.open(io.BytesIO(clear), mode="r", format="mpegts") as segment:
        frames = list(segment.decode(video=0))
    assert frames and (frames[0].width, frames[0].height) == (320, 240)
    # The seek previews cover the whole talk too.
    track = (generation / "storyboard.vtt").read_text()
    assert "00:00:18.000 --> 00:00:20.000" in track
    assert (generation / "storyboard.jpg").stat().st_size > 0


@pytest.mark.parametrize("settings_overrides", [{"x264_preset": "veryfast"}])
async def test_D5_progress_moves_while_the_storyboard_is_made(
    client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Path
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    clip = make_clip(tmp_path / "c.mp4", size="640x360", seconds=30)
    await upload_file(client, teacher.bearer, video["upload_url"], clip.read_bytes())
    seen: list[float] = []
    async with asyncio.timeout(120):
        while True:
            current: dict[str, Any] = (
                await client.get(f"/api/videos/{video['id']}", headers=teacher.bearer)
            ).json()
            if current["status"] in ("ready", "failed"):
                break
            if current["status"] == "processing":
                seen.append(current["progress"])
            await asyncio.sleep(0.1)
    assert current["status"] == "ready", current
    assert (media_storage(settings).media_dir(video["id"]) / "storyboard.jpg").is_file()
    # Before, ffmpeg's progress clock waited for the sprite written at the very end.
    assert any(0 < value < 1 for value in seen), sorted(set(seen))
