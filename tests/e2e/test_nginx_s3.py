"""Segments from the bucket through nginx (docs/deploy/nginx-s3.conf): the app checks the
token and answers with an X-Accel-Redirect to a presigned GET; nginx fetches and streams
it; the internal location is never reachable directly and the bucket stays private."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import httpx
import m3u8
import pytest

from tests import seaweed
from tests.conftest import TEST_SECRET
from tests.e2e.test_nginx_offload import ROOT, nginx_binary, render, running_nginx, signed_base
from tests.media_helpers import make_clip
from tests.processes import Server, free_port, sign_up, upload_until_ready

__all__ = ["nginx_binary"]  # a fixture this module uses

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.slow


@pytest.fixture
def app_on_s3(
    tmp_path: Path, seaweedfs: seaweed.SeaweedFS, bucket: str, s3_prefix: str
) -> Iterator[tuple[Server, str]]:
    data_dir = tmp_path / "data"
    env = {
        "COURSEVAULT_SECRET_KEY": TEST_SECRET,
        "COURSEVAULT_ACCEL_REDIRECT": "/internal-s3/",
        **seaweedfs.env(bucket, s3_prefix),
    }
    server = Server(data_dir, workers=1, **env)
    try:
        sign_up(server.url, "t@example.com", "instructor")
        clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=8).read_bytes()
        yield server, upload_until_ready(server.url, "t@example.com", PASSWORD, clip)
    finally:
        server.stop()


@pytest.fixture
def nginx_s3(
    nginx_binary: str,
    app_on_s3: tuple[Server, str],
    seaweedfs: seaweed.SeaweedFS,
    tmp_path: Path,
) -> Iterator[str]:
    server, _ = app_on_s3
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = render(
        ROOT / "docs" / "deploy" / "nginx-s3.conf",
        prefix,
        USER=getpass.getuser(),
        LISTEN=f"127.0.0.1:{port}",
        APP=f"127.0.0.1:{server.port}",
        S3_SCHEME="http",
        S3_HOST=seaweedfs.endpoint.split("://", 1)[1],
    )
    with running_nginx(nginx_binary, conf, prefix, port) as url:
        yield url


async def test_nginx_streams_segments_from_the_bucket_behind_a_valid_token(
    nginx_s3: str,
    app_on_s3: tuple[Server, str],
    seaweedfs: seaweed.SeaweedFS,
    bucket: str,
    s3_prefix: str,
    tmp_path: Path,
) -> None:
    server, video_id = app_on_s3
    base = signed_base(video_id, tmp_path)
    async with httpx.AsyncClient() as http:
        master = await http.get(f"{nginx_s3}{base}/master.m3u8")
        assert master.status_code == 200, master.text
        variant_uri = m3u8.loads(master.text).playlists[0].uri
        variant = await http.get(f"{nginx_s3}{base}/{variant_uri}")
        segment_uri = m3u8.loads(variant.text).segments[0].uri
        stored = await seaweed.objects(seaweedfs, bucket, f"{s3_prefix}media/{video_id}/")
        [in_bucket] = [v for k, v in stored.items() if k.endswith(f"/{segment_uri}")]

        through_nginx = await http.get(f"{nginx_s3}{base}/{segment_uri}")
        assert through_nginx.status_code == 200
        assert through_nginx.content == in_bucket
        assert through_nginx.headers["content-type"] == "video/mp2t"
        assert through_nginx.headers.get_list("x-content-type-options") == ["nosniff"]
        assert through_nginx.headers["cache-control"].startswith("private")
        assert "x-accel-redirect" not in through_nginx.headers
        assert not any(h.startswith("x-amz") for h in through_nginx.headers)

        direct = await http.get(f"{server.url}{base}/{segment_uri}")
        assert direct.status_code == 200 and direct.content == b""
        redirect = direct.headers["x-accel-redirect"]
        assert redirect.startswith(f"/internal-s3/{bucket}/{s3_prefix}media/{video_id}/")
        assert "X-Amz-Signature=" in redirect

        token = base.split("/")[2]
        other_video = ("0" if video_id[0] != "0" else "1") + video_id[1:]
        refused = await http.get(f"{nginx_s3}/hls/{token}/{other_video}/{segment_uri}")
        assert refused.status_code == 403
        for path in (redirect, f"/internal-s3/{bucket}/", "/internal-s3/"):
            response = await http.get(f"{nginx_s3}{path}")
            assert response.status_code == 404, path
            assert response.content != in_bucket
