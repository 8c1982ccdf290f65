"""Several machines, no shared disk: two `coursevault serve` nodes with their own data
directories, standalone workers, one database and one bucket (SeaweedFS)."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import m3u8
import pytest
from pymongo import AsyncMongoClient

from coursevault.config import Settings
from coursevault.database import embedded_server
from coursevault.media import service as media
from coursevault.streaming import signing
from tests import seaweed
from tests.conftest import TEST_SECRET, make_settings
from tests.media_helpers import TUS, decrypt_segment, make_clip, metadata, transcode_job_ended
from tests.processes import Server, Worker, sign_up

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
TS_SYNC = 0x47


class Cluster:
    def __init__(self, root: Path, env: dict[str, str], settings: Settings) -> None:
        self.root = root
        self.env = env
        self.settings = settings
        self.nodes: list[Server] = []
        self.workers: list[Worker] = []

    def node(self) -> Server:
        data_dir = self.root / f"node{len(self.nodes)}" / "data"
        data_dir.parent.mkdir(parents=True)
        server = Server(data_dir, workers=1, **self.env)
        self.nodes.append(server)
        return server

    def worker(self, **extra: str) -> Worker:
        worker = Worker(self.root / f"worker{len(self.workers)}", **{**self.env, **extra})
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for node in self.nodes:
            node.stop()


@pytest.fixture
def cluster(
    tmp_path: Path,
    embedded_db: embedded_server.EmbeddedServer,
    seaweedfs: seaweed.SeaweedFS,
    bucket: str,
    s3_prefix: str,
    data_dir: Path,
) -> Iterator[Cluster]:
    database = f"scale_{secrets.token_hex(5)}"
    env = {
        "COURSEVAULT_MONGODB_URI": embedded_db.uri,
        "COURSEVAULT_MONGODB_DATABASE": database,
        "COURSEVAULT_SECRET_KEY": TEST_SECRET,
        "COURSEVAULT_INPROCESS_WORKER": "false",
        **seaweedfs.env(bucket, s3_prefix),
    }
    settings = make_settings(
        data_dir,
        mongodb_uri=embedded_db.uri,
        mongodb_database=database,
        **seaweedfs.settings(bucket, s3_prefix),
    )
    running = Cluster(tmp_path, env, settings)
    yield running
    running.stop()


def sign_in(node: Server, email: str) -> dict[str, str]:
    answer = httpx.post(f"{node.url}/api/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def upload_across(nodes: list[Server], bearer: dict[str, str], data: bytes) -> str:
    """Creates a video and uploads DATA with each PATCH sent to the next node in turn."""
    video = httpx.post(f"{nodes[0].url}/api/videos", json={"title": "Lecture"}, headers=bearer)
    assert video.status_code == 201, video.text
    created = httpx.post(
        f"{nodes[-1].url}{video.json()['upload_url']}",
        headers={
            **bearer,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata(filename="l.mp4"),
        },
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    offset, turn, step = 0, 0, len(data) // 4 + 1
    while offset < len(data):
        node = nodes[turn % len(nodes)]
        answer = httpx.patch(
            f"{node.url}{location}",
            content=data[offset : offset + step],
            headers={
                **bearer,
                **TUS,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert answer.status_code == 204, answer.text
        offset = int(answer.headers["Upload-Offset"])
        turn += 1
    assert turn >= 3
    return str(video.json()["id"])


def wait_status(
    node: Server, bearer: dict[str, str], video_id: str, until: set[str], within: float = 180
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        video: dict[str, Any] = httpx.get(
            f"{node.url}/api/videos/{video_id}", headers=bearer
        ).json()
        if video["status"] in until:
            return video
        time.sleep(0.2)
    raise AssertionError(f"video {video_id} never reached {until}: {video}")


async def plays_from(node: Server, settings: Settings, video_id: str) -> None:
    """A segment fetched through NODE decrypts with the key the database holds now."""
    token = signing.sign(
        settings, video_id=video_id, session_id="session-scale", expires=int(time.time()) + 600
    )
    base = f"{node.url}/hls/{token}/{video_id}"
    async with httpx.AsyncClient() as client:
        master = await client.get(f"{base}/master.m3u8")
        assert master.status_code == 200, master.text
        variant = await client.get(f"{base}/{m3u8.loads(master.text).playlists[0].uri}")
        first = m3u8.loads(variant.text).segments[0]
        segment = await client.get(f"{base}/{first.uri}")
        assert segment.status_code == 200
    mongo: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    try:
        db = mongo[settings.mongodb_database]
        key = await media.period_key(db=db, settings=settings, video_id=video_id, period=0)
        assert key is not None
        clear = decrypt_segment(segment.content, key.key, bytes.fromhex(first.key.iv[2:]))
        assert clear[0] == TS_SYNC and clear[188] == TS_SYNC
    finally:
        await mongo.close()


async def test_two_nodes_share_one_upload_and_a_worker_with_no_shared_disk_publishes_it(
    cluster: Cluster, tmp_path: Path
) -> None:
    a, b = cluster.node(), cluster.node()
    sign_up(a.url, "teach@example.com", "instructor")
    bearer = sign_in(a, "teach@example.com")
    clip = make_clip(tmp_path / "l.mp4", size="320x240", seconds=3)
    video_id = upload_across([a, b], bearer, clip.read_bytes())
    assert wait_status(b, bearer, video_id, {"queued", "processing", "ready"})["status"] == "queued"
    cluster.worker()  # only the database and the bucket: its own scratch directory
    ready = wait_status(a, bearer, video_id, {"ready", "failed"})
    assert ready["status"] == "ready", ready
    await plays_from(b, cluster.settings, video_id)
    await plays_from(a, cluster.settings, video_id)
    for node in (a, b):  # nothing of the video on either node's disk
        assert not [p for p in node.data_dir.rglob(f"*{video_id}*")]


@pytest.mark.parametrize("fate", ["killed", "frozen"])
async def test_a_worker_lost_mid_job_is_replaced_and_the_job_finishes_once(
    cluster: Cluster,
    tmp_path: Path,
    seaweedfs: seaweed.SeaweedFS,
    bucket: str,
    s3_prefix: str,
    fate: str,
) -> None:
    """kill -9 of a worker mid-transcode, or a worker frozen past its lease that then
    resumes: another worker takes the job over; the result is published once and the
    old worker changes nothing."""
    node = cluster.node()
    sign_up(node.url, "teach@example.com", "instructor")
    bearer = sign_in(node, "teach@example.com")
    clip = make_clip(tmp_path / "long.mp4", size="640x360", seconds=16)
    video_id = upload_across([node], bearer, clip.read_bytes())
    # The default preset: the first worker must still be encoding when it is stopped.
    first = cluster.worker(COURSEVAULT_JOB_LEASE_SECONDS="3", COURSEVAULT_X264_PRESET="veryfast")
    wait_status(node, bearer, video_id, {"processing"})
    first.process.send_signal(signal.SIGKILL if fate == "killed" else signal.SIGSTOP)
    second = cluster.worker(COURSEVAULT_JOB_LEASE_SECONDS="3")
    ready = wait_status(node, bearer, video_id, {"ready", "failed"})
    assert ready["status"] == "ready", second.output()
    mongo: AsyncMongoClient[Any] = AsyncMongoClient(cluster.settings.mongodb_uri, tz_aware=True)
    db = mongo[cluster.settings.mongodb_database]
    try:
        before = await db.videos.find_one({"_id": video_id})
        key_before = await db.video_keys.find_one({"_id": video_id})
        assert before is not None and key_before is not None
        if fate == "frozen":
            first.process.send_signal(signal.SIGCONT)  # the old worker wakes up and goes on
            await asyncio.sleep(3)  # it notices the lost lease within a second (lease / 3)
        after = await db.videos.find_one({"_id": video_id})
        key_after = await db.video_keys.find_one({"_id": video_id})
        assert after is not None and key_after is not None
        assert (after["generation"], after["status"]) == (before["generation"], "ready")
        assert key_after["wrapped"] == key_before["wrapped"]
        job = await transcode_job_ended(db, video_id)
        assert job["state"] == "done"
        assert (job["attempts"], job["interrupted"]) == (1, 1)  # the takeover cost none (D4)
    finally:
        await mongo.close()
    published = await seaweed.objects(seaweedfs, bucket, f"{s3_prefix}media/{video_id}/")
    assert {k.split("/")[3] for k in published} == {before["generation"]}
    await plays_from(node, cluster.settings, video_id)
