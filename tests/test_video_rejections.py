"""U1–U5: every bad upload gets a clear answer and leaves nothing behind."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from coursevault import clock
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.media import uploads as media_uploads
from tests.factories import SignedIn, error_code, signed_in
from tests.media_helpers import (
    TUS,
    create_upload,
    leftovers,
    make_clip,
    new_video,
    patch,
    upload_file,
    wait_for_video,
)
from tests.media_helpers import local_store as media_storage


@pytest.fixture(scope="module")
def valid_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(
        tmp_path_factory.mktemp("c") / "ok.mp4", size="160x120", seconds=2
    ).read_bytes()


@pytest.fixture
async def teacher(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    return await signed_in(client, db, settings, role=Role.instructor)


def disguised_inputs(valid: bytes, tmp: Path) -> dict[str, tuple[bytes, str]]:
    """Name → (bytes uploaded as clip.mp4, the reason the instructor must read)."""
    secret = tmp / "secret.txt"
    secret.write_text("not for you")
    return {
        "text": (b"This is a text file, not a video.\n" * 20, "not a supported video"),
        "truncated": (valid[: len(valid) // 2], "damaged or incomplete"),
        "hls_playlist": (
            f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://{secret}\n#EXT-X-ENDLIST\n".encode(),
            "not a supported video",
        ),
        "ffconcat": (
            f"ffconcat version 1.0\nfile '{secret}'\nfile '/etc/passwd'\n".encode(),
            "not a supported video",
        ),
        "random": (bytes(range(256)) * 64, "not a supported video"),
    }


@pytest.mark.parametrize("kind", ["text", "truncated", "hls_playlist", "ffconcat", "random"])
async def test_U2_U3_disguised_and_broken_files_fail_with_a_reason_and_no_retry(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    teacher: SignedIn,
    valid_clip: bytes,
    tmp_path: Path,
    kind: str,
) -> None:
    data, reason = disguised_inputs(valid_clip, tmp_path)[kind]
    video = await new_video(client, teacher.bearer)
    await upload_file(client, teacher.bearer, video["upload_url"], data)
    failed, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert failed["status"] == "failed"
    assert reason in failed["error"]
    assert failed["renditions"] == []
    assert not media_storage(settings).media_dir(video["id"]).exists()
    job = await db.jobs.find_one({"entity": f"video:{video['id']}"})
    assert job is not None and job["state"] == "failed" and job["attempts"] == 1
    assert leftovers(settings) == []


async def test_U1_zero_bytes_and_over_the_cap_are_refused_at_creation(
    client: httpx.AsyncClient, db: Database, teacher: SignedIn, settings: Settings
) -> None:
    video = await new_video(client, teacher.bearer)
    empty = await create_upload(client, teacher.bearer, video["upload_url"], 0)
    assert empty.status_code == 400 and "empty" in empty.json()["error"]["message"]
    huge = await create_upload(
        client, teacher.bearer, video["upload_url"], settings.max_upload_bytes + 1
    )
    assert huge.status_code == 413 and error_code(huge) == "upload_too_large"
    doc = await db.videos.find_one({"_id": video["id"]})
    assert doc is not None and doc["status"] == "awaiting_upload" and doc["upload"] is None


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 100_000}])
async def test_U1_a_chunk_past_the_declared_length_is_413_and_changes_nothing(
    client: httpx.AsyncClient, teacher: SignedIn, settings: Settings
) -> None:
    video = await new_video(client, teacher.bearer)
    created = await create_upload(client, teacher.bearer, video["upload_url"], 1000)
    location = created.headers["Location"]
    assert (await patch(client, teacher.bearer, location, 0, b"a" * 600)).status_code == 204
    over = await patch(client, teacher.bearer, location, 600, b"b" * 600)
    assert over.status_code == 413

    async def streamed() -> AsyncIterator[
        bytes
    ]:  # no Content-Length: the cap is enforced while streaming
        for _ in range(10):
            yield b"c" * 100

    response = await client.patch(
        location,
        content=streamed(),
        headers={
            **teacher.bearer,
            **TUS,
            "Upload-Offset": "600",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status_code == 413
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.headers["Upload-Offset"] == "600"
    part = next((media_storage(settings).root / "uploads").glob(f"{video['id']}-*.part"))
    assert part.read_bytes() == b"a" * 600


@pytest.mark.parametrize(
    "settings_overrides", [{"upload_quota_bytes": 5000, "max_concurrent_uploads": 2}]
)
async def test_U1_per_user_quota_and_concurrent_upload_cap(
    client: httpx.AsyncClient, teacher: SignedIn
) -> None:
    videos = [await new_video(client, teacher.bearer) for _ in range(3)]
    first = await create_upload(client, teacher.bearer, videos[0]["upload_url"], 2000)
    assert first.status_code == 201
    over_quota = await create_upload(client, teacher.bearer, videos[1]["upload_url"], 3500)
    assert over_quota.status_code == 413 and error_code(over_quota) == "upload_quota_exceeded"
    second = await create_upload(client, teacher.bearer, videos[1]["upload_url"], 1000)
    assert second.status_code == 201
    third = await create_upload(client, teacher.bearer, videos[2]["upload_url"], 1000)
    assert third.status_code == 429 and error_code(third) == "too_many_uploads"


async def test_U5_tus_status_codes(client: httpx.AsyncClient, teacher: SignedIn) -> None:
    video = await new_video(client, teacher.bearer)
    options = await client.options(video["upload_url"])
    assert options.status_code == 204
    assert options.headers["Tus-Version"] == "1.0.0"
    assert {"creation", "termination", "expiration", "checksum"} <= set(
        options.headers["Tus-Extension"].split(",")
    )
    no_version = await client.post(
        video["upload_url"], headers={**teacher.bearer, "Upload-Length": "10"}
    )
    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == "1.0.0"
    old = await client.post(
        video["upload_url"],
        headers={**teacher.bearer, "Tus-Resumable": "0.2.2", "Upload-Length": "10"},
    )
    assert old.status_code == 412
    bad_length = await client.post(
        video["upload_url"], headers={**teacher.bearer, **TUS, "Upload-Length": "-5"}
    )
    assert bad_length.status_code == 400
    created = await create_upload(client, teacher.bearer, video["upload_url"], 10)
    location = created.headers["Location"]
    wrong_type = await client.patch(
        location,
        content=b"0123456789",
        headers={**teacher.bearer, **TUS, "Upload-Offset": "0", "Content-Type": "video/mp4"},
    )
    assert wrong_type.status_code == 415
    conflict = await patch(client, teacher.bearer, location, 3, b"3456789")
    assert conflict.status_code == 409
    unknown = await client.head(
        f"{video['upload_url']}/nosuchupload1", headers={**teacher.bearer, **TUS}
    )
    assert unknown.status_code == 404


async def test_U5_checksum_mismatch_is_460_and_the_chunk_is_dropped(
    client: httpx.AsyncClient, teacher: SignedIn
) -> None:
    video = await new_video(client, teacher.bearer)
    location = (await create_upload(client, teacher.bearer, video["upload_url"], 20)).headers[
        "Location"
    ]
    chunk = b"0123456789"
    good = base64.b64encode(hashlib.sha1(chunk).digest()).decode()  # noqa: S324 - tus names sha1
    bad = base64.b64encode(hashlib.sha1(b"other").digest()).decode()  # noqa: S324
    mismatch = await patch(
        client, teacher.bearer, location, 0, chunk, **{"Upload-Checksum": f"sha1 {bad}"}
    )
    assert mismatch.status_code == 460
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.headers["Upload-Offset"] == "0"
    unsupported = await patch(
        client, teacher.bearer, location, 0, chunk, **{"Upload-Checksum": f"crc32 {good}"}
    )
    assert unsupported.status_code == 400
    ok = await patch(
        client, teacher.bearer, location, 0, chunk, **{"Upload-Checksum": f"sha1 {good}"}
    )
    assert ok.status_code == 204 and ok.headers["Upload-Offset"] == "10"


async def test_U5_uploads_belong_to_their_creator(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    video = await new_video(client, teacher.bearer)
    location = (await create_upload(client, teacher.bearer, video["upload_url"], 10)).headers[
        "Location"
    ]
    other = await signed_in(client, db, settings, role=Role.instructor)
    for response in (
        await client.head(location, headers={**other.bearer, **TUS}),
        await patch(client, other.bearer, location, 0, b"0123456789"),
        await client.delete(location, headers={**other.bearer, **TUS}),
        await create_upload(client, other.bearer, video["upload_url"], 10),
        await client.get(f"/api/videos/{video['id']}", headers=other.bearer),
        await client.delete(f"/api/videos/{video['id']}", headers=other.bearer),
    ):
        assert response.status_code == 404, response.text
    student = await signed_in(client, db, settings)
    assert (await patch(client, student.bearer, location, 0, b"0123456789")).status_code == 403
    assert (
        await client.post("/api/videos", json={"title": "x"}, headers=student.bearer)
    ).status_code == 403
    assert (await patch(client, {}, location, 0, b"0123456789")).status_code == 401
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.headers["Upload-Offset"] == "0"


async def test_U5_termination_and_expiry_remove_the_bytes(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    uploads = media_storage(settings).root / "uploads"
    video = await new_video(client, teacher.bearer)
    location = (await create_upload(client, teacher.bearer, video["upload_url"], 100)).headers[
        "Location"
    ]
    await patch(client, teacher.bearer, location, 0, b"x" * 50)
    assert list(uploads.glob(f"{video['id']}-*"))
    deleted = await client.delete(location, headers={**teacher.bearer, **TUS})
    assert deleted.status_code == 204
    assert not list(uploads.glob(f"{video['id']}-*"))
    assert (await client.head(location, headers={**teacher.bearer, **TUS})).status_code == 404

    location = (await create_upload(client, teacher.bearer, video["upload_url"], 100)).headers[
        "Location"
    ]
    await patch(client, teacher.bearer, location, 0, b"x" * 50)
    await db.videos.update_one(
        {"_id": video["id"]}, {"$set": {"upload.expires_at": clock.now() - timedelta(seconds=1)}}
    )
    # Found expired by the client's next request: the bytes go at once, not at the sweep.
    assert (await client.head(location, headers={**teacher.bearer, **TUS})).status_code == 404
    assert not list(uploads.glob(f"{video['id']}-*"))
    current = (await client.get(f"/api/videos/{video['id']}", headers=teacher.bearer)).json()
    assert current["status"] == "awaiting_upload"
    assert await media_uploads.sweep_expired_uploads(db=db, settings=settings) == 0

    # Nobody came back: the periodic sweep removes them.
    location = (await create_upload(client, teacher.bearer, video["upload_url"], 100)).headers[
        "Location"
    ]
    await patch(client, teacher.bearer, location, 0, b"x" * 50)
    await db.videos.update_one(
        {"_id": video["id"]}, {"$set": {"upload.expires_at": clock.now() - timedelta(seconds=1)}}
    )
    assert await media_uploads.sweep_expired_uploads(db=db, settings=settings) == 1
    assert not list(uploads.glob(f"{video['id']}-*"))
    # A PATCH to an expired upload also finds it gone, and changes nothing.
    late = await client.patch(
        location,
        content=b"y" * 10,
        headers={**teacher.bearer, **TUS, "Upload-Offset": "50",
                 "Content-Type": "application/offset+octet-stream"},
    )  # fmt: skip
    assert late.status_code == 404
    assert not list(uploads.glob(f"{video['id']}-*"))


async def test_U4_original_names_are_sanitized_metadata(
    client: httpx.AsyncClient, settings: Settings, teacher: SignedIn, valid_clip: bytes
) -> None:
    video = await new_video(client, teacher.bearer)
    await upload_file(
        client,
        teacher.bearer,
        video["upload_url"],
        valid_clip,
        filename="../../etc/pass\x00wd<b>.mp4",
    )
    ready, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert ready["original_filename"] == "pass" + "wd<b>.mp4"
    names = [p.name for p in media_storage(settings).root.rglob("*")]
    assert not any("passwd" in name or "wd<b>" in name for name in names)


async def test_deleting_a_video_removes_its_record_and_files(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    teacher: SignedIn,
    valid_clip: bytes,
) -> None:
    video = await new_video(client, teacher.bearer)
    await upload_file(client, teacher.bearer, video["upload_url"], valid_clip)
    ready, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert ready["status"] == "ready"
    response = await client.delete(f"/api/videos/{video['id']}", headers=teacher.bearer)
    assert response.status_code == 204
    assert (
        await client.get(f"/api/videos/{video['id']}", headers=teacher.bearer)
    ).status_code == 404
    store = media_storage(settings)
    assert not store.media_dir(video["id"]).exists() and not store.original(video["id"]).exists()
    assert await db.video_keys.find_one({"_id": video["id"]}) is None
    listed = (await client.get("/api/videos", headers=teacher.bearer)).json()["items"]
    assert all(v["id"] != video["id"] for v in listed)
