"""Media on a real S3 server (SeaweedFS): upload → transcode → delivery with the bytes in
a private bucket, no key and no clear segment ever written there, deletes that empty it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from typing import Any

import httpx
import m3u8
import pytest

from coursevault.auth.models import Role
from coursevault.captions import service as captions
from coursevault.config import S3Delivery, Settings
from coursevault.database.db import Database
from coursevault.media import pipeline as media_jobs
from coursevault.media import repo as media_repo
from coursevault.streaming import signing
from tests import seaweed
from tests.conftest import start_app
from tests.factories import signed_in
from tests.media_helpers import (
    TUS,
    create_upload,
    decrypt_segment,
    make_clip,
    new_video,
    patch,
    plain_key,
    upload_file,
    wait_for_video,
)

TS_SYNC = 0x47  # every 188-byte MPEG-TS packet starts with it: clear segments show it


@pytest.fixture
def settings_overrides(seaweedfs: seaweed.SeaweedFS, bucket: str, s3_prefix: str) -> dict[str, Any]:
    return seaweedfs.settings(bucket, prefix=f"{s3_prefix}school/")


def media_url(settings: Settings, video_id: str, name: str) -> str:
    token = signing.sign(
        settings, video_id=video_id, session_id="session-s3test", expires=int(time.time()) + 600
    )
    return f"/hls/{token}/{video_id}/{name}"


async def ready_on_s3(
    client: httpx.AsyncClient, db: Database, settings: Settings, tmp_path: Any
) -> str:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=3)
    # 96 KiB PATCHes: the upload lands as many chunk objects before it becomes the original.
    await upload_file(client, teacher.bearer, video["upload_url"], clip.read_bytes(), 96 * 1024)
    ready, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert ready["status"] == "ready", ready
    return str(video["id"])


async def test_a_video_goes_through_the_bucket_and_plays_from_it(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    seaweedfs: seaweed.SeaweedFS,
    bucket: str,
    s3_prefix: str,
    tmp_path: Any,
) -> None:
    video_id = await ready_on_s3(client, db, settings, tmp_path)
    stored = await seaweed.objects(seaweedfs, bucket, s3_prefix)
    assert stored and all(key.startswith(f"{s3_prefix}school/") for key in stored)
    assert not any(key.startswith(f"{s3_prefix}school/uploads/") for key in stored)  # chunks moved
    originals = sorted(
        k for k in stored if k.startswith(f"{s3_prefix}school/originals/{video_id}/")
    )
    assert len(originals) >= 1
    media = {
        k: v for k, v in stored.items() if k.startswith(f"{s3_prefix}school/media/{video_id}/")
    }
    generations = {k.split("/")[4] for k in media}
    video = await db.videos.find_one({"_id": video_id})
    assert video is not None and generations == {video["generation"]}
    # Nothing secret in the bucket: no key files, and every segment is ciphertext.
    names = {k.rsplit("/", 1)[1] for k in media}
    assert "master.m3u8" in names and not any("key" in n for n in names)
    segments = [v for k, v in media.items() if k.endswith(".ts")]
    assert segments and all(v[0] != TS_SYNC or v[188] != TS_SYNC for v in segments)
    # Nothing on this node's disk either: the scratch directory is gone.
    assert not any((settings.data_dir / "work").glob(f"{video_id}*"))

    master = await client.get(media_url(settings, video_id, "master.m3u8"))
    assert master.status_code == 200, master.text
    variant_name = m3u8.loads(master.text).playlists[0].uri
    variant = await client.get(media_url(settings, video_id, variant_name))
    first = m3u8.loads(variant.text).segments[0]
    segment = await client.get(media_url(settings, video_id, first.uri))
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    key = await plain_key(db, settings, video_id, 0)
    iv = bytes.fromhex(first.key.iv[2:])
    clear = decrypt_segment(segment.content, key, iv)
    assert clear[0] == TS_SYNC and clear[188] == TS_SYNC
    missing = await client.get(media_url(settings, video_id, "999p_00000.ts"))
    assert missing.status_code == 404
    # The storyboard sits in the bucket with the ladder; its track comes from the app, so
    # its relative tile URL stays under the token.
    assert {"storyboard.jpg", "storyboard.vtt"} <= names
    track = await client.get(media_url(settings, video_id, "storyboard.vtt"))
    assert track.status_code == 200 and "storyboard.jpg#xywh=0,0," in track.text
    sprite = await client.get(media_url(settings, video_id, "storyboard.jpg"))
    assert sprite.status_code == 200 and sprite.content[:3] == b"\xff\xd8\xff"
    # Captions join the master playlist read from the bucket.
    ready = await media_repo.get_video(db=db, video_id=video_id)
    assert ready is not None
    srt = b"1\n00:00:00,000 --> 00:00:01,000\nHello\n"
    await captions.upload(db=db, video=ready, language="en", label="English", data=srt)
    with_captions = await client.get(media_url(settings, video_id, "master.m3u8"))
    assert 'TYPE=SUBTITLES,GROUP-ID="subs"' in with_captions.text
    assert with_captions.text.count('SUBTITLES="subs"') == len(m3u8.loads(master.text).playlists)
    vtt = await client.get(media_url(settings, video_id, "captions_en.vtt"))
    assert vtt.status_code == 200 and "Hello" in vtt.text


async def test_the_bucket_is_private(
    seaweedfs: seaweed.SeaweedFS, bucket: str, s3_prefix: str
) -> None:
    async with seaweed.client(seaweedfs) as s3:
        await s3.put_object(
            Bucket=bucket, Key=f"{s3_prefix}school/media/x/1/master.m3u8", Body=b"#EXTM3U"
        )
    async with httpx.AsyncClient() as anonymous:
        got = await anonymous.get(
            f"{seaweedfs.endpoint}/{bucket}/{s3_prefix}school/media/x/1/master.m3u8"
        )
        assert got.status_code == 403
        listing = await anonymous.get(f"{seaweedfs.endpoint}/{bucket}?list-type=2")
        assert listing.status_code == 403


async def test_cdn_mode_redirects_segments_to_short_lived_urls_after_the_token_check(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tmp_path: Any,
) -> None:
    redirecting = settings.model_copy(update={"s3_delivery": S3Delivery.redirect})
    video_id = await ready_on_s3(client, db, settings, tmp_path)

    app, lifespan = await start_app(redirecting)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            master = await other.get(media_url(redirecting, video_id, "master.m3u8"))
            assert master.status_code == 200  # playlists always come from the app
            variant = m3u8.loads(master.text).playlists[0].uri
            listed = await other.get(media_url(redirecting, video_id, variant))
            name = m3u8.loads(listed.text).segments[0].uri
            answer = await other.get(media_url(redirecting, video_id, name))
            assert answer.status_code == 302
            location = answer.headers["location"]
            assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
            async with httpx.AsyncClient() as cdn:
                fetched = await cdn.get(location)
            assert fetched.status_code == 200 and len(fetched.content) > 1000
            token = media_url(redirecting, video_id, name).split("/")[2]
            forged = await other.get(f"/hls/{token[:-2]}xx/{video_id}/{name}")
            assert forged.status_code in (401, 403) and "location" not in forged.headers
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_deleting_a_video_empties_its_objects(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    seaweedfs: seaweed.SeaweedFS,
    bucket: str,
    s3_prefix: str,
    tmp_path: Any,
) -> None:
    video_id = await ready_on_s3(client, db, settings, tmp_path)
    teacher = await db.videos.find_one({"_id": video_id})
    assert teacher is not None
    owner = await db.users.find_one({"_id": teacher["owner_id"]})
    assert owner is not None
    login = await client.post(
        "/api/auth/login",
        json={"email": owner["email"], "password": "correct horse battery staple"},
    )
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    client.cookies.clear()
    assert (await client.delete(f"/api/videos/{video_id}", headers=bearer)).status_code == 204
    assert await seaweed.objects(seaweedfs, bucket, f"{s3_prefix}school/media/{video_id}/") == {}
    assert (
        await seaweed.objects(seaweedfs, bucket, f"{s3_prefix}school/originals/{video_id}/") == {}
    )


async def test_a_stale_attempt_never_publishes_or_replaces_keys(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    seaweedfs: seaweed.SeaweedFS,
    bucket: str,
    s3_prefix: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The encode of this attempt finishes after a newer attempt took the video's fence (as
    a worker frozen past its lease would): it must publish nothing and write no key."""
    poster = media_jobs.write_poster

    async def overtaken(*args: Any) -> None:
        await db.videos.update_one({}, {"$inc": {"fence": 1}})  # a newer attempt started
        await poster(*args)

    monkeypatch.setattr(media_jobs, "write_poster", overtaken)
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=2)
    await upload_file(client, teacher.bearer, video["upload_url"], clip.read_bytes())
    for _ in range(300):
        job = await db.jobs.find_one({"kind": "transcode"})
        if job and job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    stored = await db.videos.find_one({"_id": video["id"]})
    assert stored is not None
    assert (stored["status"], stored["fence"], stored.get("generation")) == ("processing", 2, None)
    assert await db.video_keys.find_one({"_id": video["id"]}) is None
    assert await seaweed.objects(seaweedfs, bucket, f"{s3_prefix}school/media/") == {}


async def test_tus_on_the_bucket_refused_chunks_leave_nothing_and_terminate_empties(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    seaweedfs: seaweed.SeaweedFS,
    bucket: str,
    s3_prefix: str,
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    created = await create_upload(client, teacher.bearer, video["upload_url"], 300_000)
    location = created.headers["Location"]
    uploads = f"{s3_prefix}school/uploads/{video['id']}/"
    first = await patch(client, teacher.bearer, location, 0, b"a" * 100_000)
    assert first.status_code == 204
    chunk = b"b" * 100_000
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    bad = await patch(
        client, teacher.bearer, location, 100_000, chunk, **{"Upload-Checksum": f"sha256 {wrong}"}
    )
    assert bad.status_code == 460
    over = await patch(client, teacher.bearer, location, 100_000, b"c" * 250_000)
    assert over.status_code == 413
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.headers["Upload-Offset"] == "100000"
    stored = await seaweed.objects(seaweedfs, bucket, uploads)
    assert [v for v in stored.values()] == [b"a" * 100_000]  # refused bodies left nothing
    good = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
    ok = await patch(
        client, teacher.bearer, location, 100_000, chunk, **{"Upload-Checksum": f"sha256 {good}"}
    )
    assert ok.status_code == 204 and ok.headers["Upload-Offset"] == "200000"
    assert len(await seaweed.objects(seaweedfs, bucket, uploads)) == 2
    ended = await client.delete(location, headers={**teacher.bearer, **TUS})
    assert ended.status_code == 204
    assert await seaweed.objects(seaweedfs, bucket, uploads) == {}
