"""Uploads under concurrency, crashes and neglect (issue #22): limits that hold when many
requests race (U7), one writer per upload (U5), a resume offset that is the bytes on disk
after `kill -9` (U8), and expired uploads swept without anyone touching them (U5)."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.factories import SignedIn, error_code, signed_in
from tests.media_helpers import TUS, create_upload, make_clip, new_video, patch, wait_for_video
from tests.media_helpers import local_store as media_storage
from tests.processes import Server, sign_up, wait_port_free

PASSWORD = "correct horse battery staple"
KiB = 1024
MiB = 1024 * KiB


@pytest.fixture
async def teacher(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    return await signed_in(client, db, settings, role=Role.instructor)


def parts(settings: Settings, video_ids: list[str]) -> list[Path]:
    """The unfinished-upload files of VIDEO_IDS in the data dir."""
    found = (media_storage(settings).root / "uploads").glob("*.part")
    return [p for p in found if p.name.split("-", 1)[0] in video_ids]


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    assert error_code(response) == code


@pytest.mark.parametrize("settings_overrides", [{"max_concurrent_uploads": 3}])
async def test_U7_fifty_concurrent_creations_start_exactly_the_allowed_uploads(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    """U7: 50 tus creations at once for a cap of 3 start exactly 3 uploads; the other 47
    get `429 too_many_uploads` and leave their video as it was."""
    videos = [await new_video(client, teacher.bearer) for _ in range(50)]
    answers = await asyncio.gather(
        *(create_upload(client, teacher.bearer, v["upload_url"], 1000) for v in videos)
    )
    created = [v["id"] for v, a in zip(videos, answers, strict=True) if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(created) == 3, sorted(a.status_code for a in answers)
    for answer in refused:
        assert_error(answer, 429, "too_many_uploads")
    uploading = await db.videos.count_documents(
        {"owner_id": teacher.user.id, "status": "uploading"}
    )
    assert uploading == 3
    assert sorted(p.name.split("-", 1)[0] for p in parts(settings, [v["id"] for v in videos])) == (
        sorted(created)
    )
    for video in videos:
        if video["id"] not in created:
            doc = await db.videos.find_one({"_id": video["id"]})
            assert doc is not None and (doc["status"], doc["upload"]) == ("awaiting_upload", None)


@pytest.mark.parametrize(
    "settings_overrides", [{"upload_quota_bytes": 5000, "max_concurrent_uploads": 10}]
)
async def test_U7_three_concurrent_uploads_over_the_quota_start_only_what_fits(
    client: httpx.AsyncClient, db: Database, settings: Settings, teacher: SignedIn
) -> None:
    """U7: three 2000-byte uploads at once against a quota of 5000: two start, the third
    is `413 upload_quota_exceeded` and changes nothing."""
    videos = [await new_video(client, teacher.bearer) for _ in range(3)]
    answers = await asyncio.gather(
        *(create_upload(client, teacher.bearer, v["upload_url"], 2000) for v in videos)
    )
    assert sorted(a.status_code for a in answers) == [201, 201, 413]
    [refused] = [a for a in answers if a.status_code == 413]
    assert_error(refused, 413, "upload_quota_exceeded")
    started = [doc async for doc in db.videos.find({"owner_id": teacher.user.id})]
    assert sum((d["upload"] or {}).get("length", 0) for d in started) == 4000
    assert len(parts(settings, [v["id"] for v in videos])) == 2


@pytest.mark.parametrize(
    "settings_overrides", [{"upload_quota_bytes": 5000, "max_concurrent_uploads": 1}]
)
async def test_U7_finished_terminated_restarted_and_deleted_uploads_give_back_what_they_held(
    client: httpx.AsyncClient, teacher: SignedIn
) -> None:
    """U7: a termination frees the upload's slot and bytes, a finished upload frees its slot
    and keeps its bytes counted, a restarted upload replaces what it held, and deleting the
    video frees its bytes."""
    v1, v2, v3 = [await new_video(client, teacher.bearer) for _ in range(3)]
    first = await create_upload(client, teacher.bearer, v1["upload_url"], 2000)
    assert first.status_code == 201
    restarted = await create_upload(client, teacher.bearer, v1["upload_url"], 4000)
    assert restarted.status_code == 201, restarted.text  # replaces its own 2000 bytes
    assert_error(
        await create_upload(client, teacher.bearer, v2["upload_url"], 10), 429, "too_many_uploads"
    )

    terminated = await client.delete(
        restarted.headers["Location"], headers={**teacher.bearer, **TUS}
    )
    assert terminated.status_code == 204
    second = await create_upload(client, teacher.bearer, v2["upload_url"], 1000)
    assert second.status_code == 201, second.text
    done = await patch(client, teacher.bearer, second.headers["Location"], 0, b"x" * 1000)
    assert done.status_code == 204  # finished: its 1000 bytes count, its slot is free

    over = await create_upload(client, teacher.bearer, v3["upload_url"], 4001)
    assert_error(over, 413, "upload_quota_exceeded")
    fits = await create_upload(client, teacher.bearer, v3["upload_url"], 4000)
    assert fits.status_code == 201, fits.text

    deleted = await client.delete(f"/api/videos/{v2['id']}", headers=teacher.bearer)
    assert deleted.status_code == 204, deleted.text
    grown = await create_upload(client, teacher.bearer, v3["upload_url"], 5000)
    assert grown.status_code == 201, grown.text  # the deleted video's bytes are free again


async def slow_body(fill: bytes, chunks: int = 8, size: int = 64 * KiB) -> AsyncIterator[bytes]:
    for _ in range(chunks):
        await asyncio.sleep(0.05)
        yield fill * size


async def test_U5_two_concurrent_writers_to_one_upload_one_gets_409_upload_busy(
    client: httpx.AsyncClient, settings: Settings, teacher: SignedIn
) -> None:
    """U5: two PATCHes to one upload at the same offset at once: one writes, the other is
    `409 upload_busy` (never a 500); the file and the offset are exactly the winner's."""
    video = await new_video(client, teacher.bearer)
    created = await create_upload(client, teacher.bearer, video["upload_url"], 2 * MiB)
    location = created.headers["Location"]
    headers = {**teacher.bearer, **TUS, "Upload-Offset": "0"}
    headers["Content-Type"] = "application/offset+octet-stream"
    answers = await asyncio.gather(
        *(client.patch(location, content=slow_body(fill), headers=headers) for fill in (b"A", b"B"))
    )
    assert sorted(a.status_code for a in answers) == [204, 409], [a.text for a in answers]
    winner = b"A" if answers[0].status_code == 204 else b"B"
    [loser] = [a for a in answers if a.status_code == 409]
    assert_error(loser, 409, "upload_busy")
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.headers["Upload-Offset"] == str(512 * KiB)
    [part] = parts(settings, [video["id"]])
    assert part.read_bytes() == winner * (512 * KiB)
    stale = await patch(client, teacher.bearer, location, 0, b"C" * KiB)  # the loser retries
    assert_error(stale, 409, "upload_offset_mismatch")
    assert stale.json()["error"]["detail"] == {"offset": 512 * KiB}
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.headers["Upload-Offset"] == str(512 * KiB)  # a refusal changes nothing
    assert part.read_bytes() == winner * (512 * KiB)


@pytest.mark.parametrize(
    "settings_overrides",
    [{"upload_expiry_seconds": 1, "upload_sweep_seconds": 0.2, "max_concurrent_uploads": 1}],
)
async def test_U5_an_expired_upload_loses_its_bytes_to_the_sweep_untouched(
    client: httpx.AsyncClient, settings: Settings, teacher: SignedIn
) -> None:
    """U5: nobody comes back to an unfinished upload: once it expires the periodic sweep
    deletes its bytes, HEAD is `404 upload_not_found`, and its slot is free again."""
    video, other = await new_video(client, teacher.bearer), await new_video(client, teacher.bearer)
    location = (await create_upload(client, teacher.bearer, video["upload_url"], 100)).headers[
        "Location"
    ]
    assert (await patch(client, teacher.bearer, location, 0, b"x" * 50)).status_code == 204
    assert parts(settings, [video["id"]])
    deadline = time.monotonic() + 20
    while parts(settings, [video["id"]]) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)  # no request touches the upload meanwhile
    assert parts(settings, [video["id"]]) == []
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.status_code == 404  # a HEAD answer has no body to carry the error code
    late = await patch(client, teacher.bearer, location, 50, b"y" * 50)
    assert_error(late, 404, "upload_not_found")
    current = (await client.get(f"/api/videos/{video['id']}", headers=teacher.bearer)).json()
    assert (current["status"], current["progress"]) == ("awaiting_upload", 0.0)
    next_one = await create_upload(client, teacher.bearer, other["upload_url"], 100)
    assert next_one.status_code == 201, next_one.text


# ---- U8: a real `coursevault serve`, killed with SIGKILL in the middle of a PATCH ----


@pytest.fixture(scope="module")
def noisy_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A playable clip of about 4.5 MiB (noise does not compress)."""
    path = tmp_path_factory.mktemp("clip") / "noisy.mp4"
    clip = make_clip(path, size="320x240", seconds=4, extra=("-vf", "noise=alls=60:allf=t"))
    return clip.read_bytes()


class SlowUpload(threading.Thread):
    """A client sending the first SEND bytes of DATA in 64 KiB pieces, then holding the
    request open (as a stalled network would) until the server goes away."""

    def __init__(self, location: str, auth: dict[str, str], data: bytes, send: int) -> None:
        super().__init__(daemon=True)
        self.location, self.auth, self.data, self.send = location, auth, data, send
        self.release = threading.Event()
        self.error: BaseException | None = None

    def body(self) -> Iterator[bytes]:
        for start in range(0, self.send, 64 * KiB):
            time.sleep(0.01)
            yield self.data[start : min(start + 64 * KiB, self.send)]
        self.release.wait(60)

    def run(self) -> None:
        headers = {**self.auth, **TUS, "Upload-Offset": "0"}
        headers["Content-Type"] = "application/offset+octet-stream"
        try:
            httpx.patch(self.location, content=self.body(), headers=headers, timeout=60)
        except httpx.HTTPError as exc:  # the server was killed under it
            self.error = exc


def wait_processes_gone(data_dir: Path, timeout: float = 30.0) -> None:
    """Waits until no process (app worker, embedded database) serves DATA_DIR any more."""
    marker = f"COURSEVAULT_DATA_DIR={data_dir}".encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                if marker in environ.read_bytes().split(b"\0"):
                    alive.append(environ.parent.name)
            except OSError:
                continue  # gone meanwhile, or not ours to read
        if not alive:
            return
        time.sleep(0.2)
    raise RuntimeError(f"processes for {data_dir} still run: {alive}")


def sign_in(url: str, email: str) -> dict[str, str]:
    token = httpx.post(f"{url}/api/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.mark.slow
def test_U8_after_kill_9_the_upload_resumes_from_the_bytes_on_disk(
    tmp_path: Path, noisy_clip: bytes
) -> None:
    """U8: `kill -9` of `serve` in the middle of a PATCH; after a restart HEAD answers the
    bytes actually on disk (it answered 0), the client sends the rest from there and the
    video becomes ready from a byte-exact original."""
    data_dir = tmp_path / "data"
    env: dict[str, Any] = {"COURSEVAULT_UPLOAD_LOCK_SECONDS": "2"}
    server = Server(data_dir, **env)
    sign_up(server.url, "teach@example.com", "instructor")
    auth = sign_in(server.url, "teach@example.com")
    video = httpx.post(f"{server.url}/api/videos", json={"title": "v"}, headers=auth).json()
    created = httpx.post(
        f"{server.url}{video['upload_url']}",
        headers={**auth, **TUS, "Upload-Length": str(len(noisy_clip))},
    )
    assert created.status_code == 201, created.text
    path = created.headers["Location"]
    part = next((data_dir / "uploads").glob(f"{video['id']}-*.part"))

    sender = SlowUpload(f"{server.url}{path}", auth, noisy_clip, send=3 * MiB + 100 * KiB)
    sender.start()
    deadline = time.monotonic() + 60
    while part.stat().st_size < 2 * MiB and time.monotonic() < deadline:
        time.sleep(0.05)
    assert part.stat().st_size >= 2 * MiB
    server.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    wait_port_free(server.port)
    wait_processes_gone(data_dir)  # nothing of the old server writes any more
    on_disk = part.stat().st_size
    assert 0 < on_disk < len(noisy_clip)

    server = Server(data_dir, **env)
    try:
        time.sleep(max(0.0, killed_at + 2.5 - time.monotonic()))  # the dead PATCH's lease
        head = httpx.head(f"{server.url}{path}", headers={**auth, **TUS})
        assert head.status_code == 200, head.text
        assert int(head.headers["Upload-Offset"]) == on_disk
        rest = httpx.patch(
            f"{server.url}{path}",
            content=noisy_clip[on_disk:],
            headers={**auth, **TUS, "Upload-Offset": str(on_disk),
                     "Content-Type": "application/offset+octet-stream"},
            timeout=60,
        )  # fmt: skip
        assert rest.status_code == 204, rest.text
        sender.release.set()  # its connection died with the old server
        sender.join(30)
        original = data_dir / "originals" / video["id"]
        assert hashlib.sha256(original.read_bytes()).digest() == hashlib.sha256(noisy_clip).digest()
        deadline = time.monotonic() + 180
        while True:
            status = httpx.get(f"{server.url}/api/videos/{video['id']}", headers=auth).json()
            if status["status"] in ("ready", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert status["status"] == "ready", status
    finally:
        server.stop()


@pytest.mark.parametrize("moved", [False, True], ids=["part-kept", "part-moved"])
async def test_U8_an_upload_complete_when_its_writer_died_is_queued_not_restarted(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    teacher: SignedIn,
    tmp_path: Path,
    moved: bool,
) -> None:
    """U8: the writer stored the last offset and died before the transcode was queued,
    before or after the part became the original. When the lock runs out, a HEAD answers
    the whole length and the video is queued and converted; no byte is asked for again."""
    clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=2).read_bytes()
    video = await new_video(client, teacher.bearer)
    created = await create_upload(client, teacher.bearer, video["upload_url"], len(clip))
    location = created.headers["Location"]
    assert (await patch(client, teacher.bearer, location, 0, clip[:-100])).status_code == 204
    # What such a crash leaves: every byte stored, the offset at the end, a lapsed lock.
    store = media_storage(settings)
    stored = await db.videos.find_one({"_id": video["id"]})
    assert stored is not None
    part = store.upload_part(video["id"], stored["upload"]["id"])
    with part.open("ab") as handle:
        handle.write(clip[-100:])
    if moved:
        part.replace(store.original(video["id"]))
    await db.videos.update_one(
        {"_id": video["id"]},
        {"$set": {"upload.offset": len(clip), "upload.lock_id": "dead",
                  "upload.lock_until": stored["upload"]["expires_at"].replace(year=2000)}},
    )  # fmt: skip
    head = await client.head(location, headers={**teacher.bearer, **TUS})
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(len(clip))
    ready, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert ready["status"] == "ready", ready["error"]
    assert store.original(video["id"]).read_bytes() == clip
