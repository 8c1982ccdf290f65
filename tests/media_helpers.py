"""Test clips made by ffmpeg (lavfi), a small tus client, and waiting for a video."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.ffmpeg.binary import ffmpeg_path
from coursevault.media import keys as content_keys
from coursevault.media import repo as media_repo
from coursevault.media import service as media
from coursevault.media.local_store import LocalStore
from coursevault.media.models import VideoStatus
from coursevault.media.stores import storage

TUS = {"Tus-Resumable": "1.0.0"}


def local_store(settings: Settings) -> LocalStore:
    """The local store of SETTINGS, for tests that look at its files."""
    store = storage(settings)
    assert isinstance(store, LocalStore)
    return store


def leftovers(settings: Settings) -> list[Path]:
    """Files anywhere under the data dir that a finished job must not leave."""
    root = local_store(settings).root
    found = [p for p in (root / "work").rglob("*") if p.is_file()]
    found += list((root / "uploads").glob("*.part"))
    found += [p for p in (root / "media").rglob("*") if p.name in {"key", "keyinfo"}]
    return found


def ffmpeg_children_of(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-eo", "pid,ppid,comm"], capture_output=True, text=True, check=True
    ).stdout
    return [
        int(cols[0])
        for cols in (line.split() for line in out.splitlines()[1:])
        if "ffmpeg" in cols[2] and int(cols[1]) == pid
    ]


def ffmpeg_processes() -> set[int]:
    """This test process's ffmpeg children (another test process may run its own)."""
    return set(ffmpeg_children_of(os.getpid()))


def make_clip(
    path: Path,
    *,
    size: str = "640x360",
    seconds: float = 4,
    audio: bool = True,
    rate: int = 25,
    extra: tuple[str, ...] = (),
) -> Path:
    """Writes a test-pattern clip (with a 440 Hz tone when AUDIO) to PATH."""
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    subprocess.run([*args, *extra, str(path)], check=True, timeout=120)
    return path


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def create_upload(
    client: httpx.AsyncClient, headers: dict[str, str], upload_url: str, length: int, **meta: str
) -> httpx.Response:
    extra = {"Upload-Metadata": metadata(**meta)} if meta else {}
    return await client.post(
        upload_url, headers={**headers, **TUS, "Upload-Length": str(length), **extra}
    )


async def patch(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    location: str,
    offset: int,
    chunk: bytes,
    **extra: str,
) -> httpx.Response:
    return await client.patch(
        location,
        content=chunk,
        headers={
            **headers,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            **extra,
        },
    )


async def upload_file(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    upload_url: str,
    data: bytes,
    chunk_size: int = 256 * 1024,
    filename: str = "clip.mp4",
) -> str:
    """Uploads DATA through tus in chunks; returns the upload's location."""
    created = await create_upload(client, headers, upload_url, len(data), filename=filename)
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    offset = 0
    while offset < len(data):
        response = await patch(
            client, headers, location, offset, data[offset : offset + chunk_size]
        )
        assert response.status_code == 204, response.text
        offset = int(response.headers["Upload-Offset"])
    return location


async def new_video(
    client: httpx.AsyncClient, headers: dict[str, str], title: str = "Lesson"
) -> dict[str, Any]:
    response = await client.post("/api/videos", json={"title": title}, headers=headers)
    assert response.status_code == 201, response.text
    video: dict[str, Any] = response.json()
    return video


async def wait_for_video(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    video_id: str,
    until: tuple[str, ...] = ("ready", "failed"),
    timeout: float = 120,  # noqa: ASYNC109
) -> tuple[dict[str, Any], list[str]]:
    """Polls the video until its status is in UNTIL; returns it and the statuses seen."""
    seen: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            video: dict[str, Any] = (
                await client.get(f"/api/videos/{video_id}", headers=headers)
            ).json()
            if not seen or seen[-1] != video["status"]:
                seen.append(video["status"])
            if video["status"] in until:
                return video, seen
            await asyncio.sleep(0.1)


async def transcode_job_ended(db: Any, video_id: str, timeout: float = 10) -> dict[str, Any]:  # noqa: ASYNC109
    """The video's transcode job once it has ended: it publishes the video, then sends its
    mail and only then is marked done, so a ready video can still show a running job."""
    async with asyncio.timeout(timeout):
        while True:
            job: dict[str, Any] | None = await db.jobs.find_one({"entity": f"video:{video_id}"})
            assert job is not None and job["state"] in ("running", "done", "failed"), job
            if job["state"] != "running":
                return job
            await asyncio.sleep(0.05)


def decrypt_segment(data: bytes, key: bytes, iv: bytes) -> bytes:
    """AES-128-CBC with PKCS#7, as an HLS player decrypts a segment."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def encrypt_segment(data: bytes, key: bytes, iv: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def segment_keys(playlist: Path) -> list[tuple[str, int, bytes]]:
    """(segment file, key period, IV) for every segment of a variant playlist we packaged."""
    found = []
    period, iv = -1, b""
    for line in playlist.read_text().splitlines():
        match = re.match(r'#EXT-X-KEY:METHOD=AES-128,URI="key/(\d+)",IV=0x([0-9a-f]{32})$', line)
        if match:
            period, iv = int(match.group(1)), bytes.fromhex(match.group(2))
        elif line and not line.startswith("#"):
            found.append((line, period, iv))
    return found


def reencrypt(media_dir: Path, old_id: str, new_id: str, secret: bytes) -> None:
    """Re-encrypts a copied video's segments for its new id (keys derive from the id)."""
    for playlist in media_dir.glob("*p.m3u8"):
        for name, period, iv in segment_keys(playlist):
            segment = media_dir / name
            clear = decrypt_segment(
                segment.read_bytes(), content_keys.period_key(secret, old_id, period), iv
            )
            segment.write_bytes(
                encrypt_segment(clear, content_keys.period_key(secret, new_id, period), iv)
            )


async def plain_key(db: Database, settings: Settings, video_id: str, period: int = 0) -> bytes:
    """The clear AES-128 key of one period, read the way the key endpoint reads it."""
    found = await media.period_key(db=db, settings=settings, video_id=video_id, period=period)
    assert found is not None
    return found.key


class PackagedVideo:
    """One video the real pipeline made ready, kept on disk so that later tests get a ready
    video of their own by copying it (the transcode itself is covered by the pipeline
    tests; re-running it for every test that merely needs a playable video cost 1–2.5 s
    each). A copy goes through the media repo and storage like the job's publish step:
    its own id, its own files, its key wrapped anew for that id."""

    FIELDS = (
        "title",
        "duration",
        "width",
        "height",
        "renditions",
        "original_filename",
        "size",
        "start_pts",
        "storyboard",
    )

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def ready(self) -> bool:
        return (self.root / "video.json").exists()

    async def keep(self, db: Database, settings: Settings, video_id: str) -> None:
        """Stores VIDEO_ID's published files, content key and details."""
        store = local_store(settings)
        stored = await media_repo.get_key(db=db, video_id=video_id)
        video = await media_repo.get_video(db=db, video_id=video_id)
        assert stored is not None and video is not None
        shutil.copytree(store.media_dir(video_id), self.root / "media")
        shutil.copyfile(store.original(video_id), self.root / "original")
        (self.root / "key").write_bytes(content_keys.unwrap(settings, video_id, stored))
        details = video.model_dump(mode="json", include=set(self.FIELDS))
        details["key"] = {"rotation": stored.rotation, "periods": stored.periods}
        details["source_id"] = video_id
        (self.root / "video.json").write_text(json.dumps(details))

    async def video_for(
        self,
        client: httpx.AsyncClient,
        db: Database,
        settings: Settings,
        owner: tuple[User, dict[str, str]],
        clip: Callable[[], Path],
    ) -> str:
        """A ready video of OWNER (the user and their bearer header): a copy of the kept
        one, or, the first time, CLIP() through upload and transcode, then kept."""
        user, bearer = owner
        if self.ready:
            return await self.copy_for(db, settings, user)
        video = await new_video(client, bearer)
        await upload_file(client, bearer, video["upload_url"], clip().read_bytes())
        done, _ = await wait_for_video(client, bearer, video["id"])
        assert done["status"] == "ready", done["error"]
        await self.keep(db, settings, str(video["id"]))
        return str(video["id"])

    async def copy_for(self, db: Database, settings: Settings, owner: User) -> str:
        """Creates a ready video owned by OWNER from the kept one; returns its id."""
        details = json.loads((self.root / "video.json").read_text())
        key_details = details.pop("key")
        source_id = details.pop("source_id")
        video = await media_repo.insert_video(db=db, owner_id=owner.id, title=details["title"])
        store = local_store(settings)
        shutil.copyfile(self.root / "original", store.original(video.id))
        shutil.copytree(self.root / "media", store.media_dir(video.id))
        # Period keys are derived from the secret *and the video id*, so a copy's segments
        # are re-encrypted for its own id, as the packager would have done.
        secret = content_keys.VideoSecret(secret=(self.root / "key").read_bytes(), **key_details)
        reencrypt(store.media_dir(video.id), source_id, video.id, secret.secret)
        await media_repo.save_key(
            db=db, video_id=video.id, stored=content_keys.wrap(settings, video.id, secret)
        )
        await media_repo.update_video(
            db=db,
            video_id=video.id,
            status=VideoStatus.ready.value,
            progress=1.0,
            ready_at=clock.now(),
            **{k: v for k, v in details.items() if k != "title"},
        )
        return video.id
