"""A data directory on a 40 MiB tmpfs: uploads stop at the free-space reserve with
`507 insufficient_storage`, keep an exact offset and resume once space is freed; the
database keeps its room, so deleting and creating videos still work; /healthz says the
disk is low. (The tests run as root; where mounting is refused they are skipped.)"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.factories import signed_in
from tests.media_helpers import TUS, create_upload, new_video
from tests.media_helpers import local_store as storage

MiB = 1024 * 1024
RESERVE = 8 * MiB


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Replaces the shared data directory: this module's database lives on the tmpfs too."""
    mount_point = tmp_path_factory.mktemp("small-disk")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m,mode=700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"disk_reserve_bytes": RESERVE}


@pytest.fixture
def filler(settings: Settings) -> Iterator[Path]:
    path = settings.data_dir / "filler.bin"
    yield path
    path.unlink(missing_ok=True)


def fill_until_free(path: Path, free: int) -> None:
    """Grows the file at PATH until the filesystem has FREE bytes left."""
    missing = shutil.disk_usage(path.parent).free - free
    with path.open("ab") as handle:
        handle.write(b"\0" * max(0, missing))


async def chunks(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def send(
    client: httpx.AsyncClient, bearer: dict[str, str], location: str, offset: int, data: bytes
) -> httpx.Response:
    return await client.patch(
        location,
        content=chunks(data),
        headers={
            **bearer,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
    )


def upload_parts(settings: Settings) -> list[Path]:
    return list((storage(settings).root / "uploads").iterdir())


async def offset_of(client: httpx.AsyncClient, bearer: dict[str, str], location: str) -> int:
    head = await client.head(location, headers={**bearer, **TUS})
    assert head.status_code == 200, head.text
    return int(head.headers["Upload-Offset"])


async def test_U1_an_upload_larger_than_the_free_space_is_refused_at_creation(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    created = await create_upload(client, teacher.bearer, video["upload_url"], 60 * MiB)
    assert created.status_code == 507, created.text
    assert created.json()["error"]["code"] == "insufficient_storage"
    assert created.headers["Retry-After"]
    after = (await client.get(f"/api/videos/{video['id']}", headers=teacher.bearer)).json()
    assert after["status"] == "awaiting_upload"
    assert upload_parts(settings) == []


async def test_U1_an_upload_stops_at_the_reserve_keeps_its_offset_and_resumes(
    client: httpx.AsyncClient, db: Database, settings: Settings, filler: Path
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    data = os.urandom(12 * MiB)
    created = await create_upload(client, teacher.bearer, video["upload_url"], len(data))
    assert created.status_code == 201, created.text
    location = created.headers["Location"]

    fill_until_free(filler, RESERVE + 3 * MiB)  # something else ate the disk meanwhile
    refused = await send(client, teacher.bearer, location, 0, data)
    assert refused.status_code == 507, refused.text
    assert refused.json()["error"]["code"] == "insufficient_storage"
    kept = await offset_of(client, teacher.bearer, location)
    assert 0 < kept < len(data)
    [part] = upload_parts(settings)
    assert part.stat().st_size == kept  # the offset is exactly what is on disk
    assert shutil.disk_usage(settings.data_dir).free >= RESERVE - MiB // 4  # reserve held

    fill_until_free(filler, RESERVE - MiB)
    health = (await client.get("/healthz")).json()
    assert (health["status"], health["disk"]) == ("degraded", "low")
    again = await send(client, teacher.bearer, location, kept, data[kept:])
    assert again.status_code == 507  # refused before a byte is taken
    assert await offset_of(client, teacher.bearer, location) == kept

    filler.unlink()  # the administrator frees space
    assert (await client.get("/healthz")).json()["disk"] == "ok"
    done = await send(client, teacher.bearer, location, kept, data[kept:])
    assert done.status_code == 204, done.text
    original = storage(settings).original(video["id"])
    assert hashlib.sha256(original.read_bytes()).digest() == hashlib.sha256(data).digest()


async def test_deleting_and_creating_videos_work_while_the_disk_is_low(
    client: httpx.AsyncClient, db: Database, settings: Settings, filler: Path
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    created = await create_upload(client, teacher.bearer, video["upload_url"], 4 * MiB)
    location = created.headers["Location"]
    assert (await send(client, teacher.bearer, location, 0, os.urandom(2 * MiB))).status_code == 204

    fill_until_free(filler, RESERVE // 2)
    assert (await client.get("/healthz")).json()["status"] == "degraded"
    other = await client.post("/api/videos", json={"title": "Next"}, headers=teacher.bearer)
    assert other.status_code == 201, other.text
    deleted = await client.delete(f"/api/videos/{video['id']}", headers=teacher.bearer)
    assert deleted.status_code == 204, deleted.text
    assert upload_parts(settings) == []
    gone = await client.get(f"/api/videos/{video['id']}", headers=teacher.bearer)
    assert gone.status_code == 404


async def test_U1_a_completely_full_disk_makes_video_creation_507_not_500(
    client: httpx.AsyncClient, db: Database, settings: Settings, filler: Path
) -> None:
    """U1: with not one byte free, creating a video answers `507 insufficient_storage` in
    the one error shape (it was a 500), creates nothing, and works again once space is
    freed."""
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    before = await db.videos.count_documents({"owner_id": teacher.user.id})
    fill_until_free(filler, 0)
    assert shutil.disk_usage(settings.data_dir).free == 0
    refused = await client.post("/api/videos", json={"title": "Full"}, headers=teacher.bearer)
    assert refused.status_code == 507, refused.text
    assert refused.json()["error"]["code"] == "insufficient_storage"
    assert set(refused.json()["error"]) == {"code", "message", "detail"}
    assert refused.headers["Retry-After"]

    filler.unlink()  # the administrator frees space
    assert await db.videos.count_documents({"owner_id": teacher.user.id}) == before
    created = await client.post("/api/videos", json={"title": "Room"}, headers=teacher.bearer)
    assert created.status_code == 201, created.text
