"""Segment offload through nginx (X-Accel-Redirect), with the shipped docs/deploy/nginx.conf:
nginx sends the bytes only after the app checked the token; the media directory itself is
never reachable (S7)."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import m3u8
import pytest

from coursevault.config import Settings
from coursevault.streaming import signing
from tests.conftest import TEST_SECRET
from tests.media_helpers import make_clip
from tests.processes import Server, free_port, sign_up, upload_until_ready

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.slow


@pytest.fixture
def nginx_binary() -> str:
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing; .ci/run installs it")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return NGINX


def render(template: Path, prefix: Path, **values: str) -> Path:
    text = template.read_text()
    for name, value in {**values, "PREFIX": str(prefix)}.items():
        text = text.replace("{{" + name + "}}", value)
    assert not re.search(r"\{\{[A-Z_]+\}\}", text)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    return conf


@pytest.fixture
def app_with_video(tmp_path: Path) -> Iterator[tuple[Server, str, Path]]:
    data_dir = tmp_path / "data"
    env = {"COURSEVAULT_SECRET_KEY": TEST_SECRET, "COURSEVAULT_ACCEL_REDIRECT": "/internal-media/"}
    server = Server(data_dir, workers=1, **env)
    try:
        sign_up(server.url, "t@example.com", "instructor")
        clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=8).read_bytes()
        video_id = upload_until_ready(server.url, "t@example.com", PASSWORD, clip)
        yield server, video_id, data_dir
    finally:
        server.stop()


@pytest.fixture
def nginx(
    nginx_binary: str, app_with_video: tuple[Server, str, Path], tmp_path: Path
) -> Iterator[str]:
    server, _, data_dir = app_with_video
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    conf = render(
        ROOT / "docs" / "deploy" / "nginx.conf",
        prefix,
        USER=getpass.getuser(),
        LISTEN=f"127.0.0.1:{port}",
        APP=f"127.0.0.1:{server.port}",
        MEDIA_ROOT=f"{data_dir.resolve() / 'media'}/",
    )
    with running_nginx(nginx_binary, conf, prefix, port) as url:
        yield url


@contextmanager
def running_nginx(binary: str, conf: Path, prefix: Path, port: int) -> Iterator[str]:
    """Runs nginx with CONF until the block ends; yields its address once it answers."""
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def signed_base(video_id: str, tmp_path: Path) -> str:
    settings = Settings(_env_file=None, secret_key=TEST_SECRET, data_dir=tmp_path)
    token = signing.sign(
        settings, video_id=video_id, session_id="nginx-test-1", expires=int(time.time()) + 600
    )
    return f"/hls/{token}/{video_id}"


def test_nginx_sends_segments_only_behind_a_valid_token(
    nginx: str, app_with_video: tuple[Server, str, Path], tmp_path: Path
) -> None:
    server, video_id, data_dir = app_with_video
    base = signed_base(video_id, tmp_path)
    master = httpx.get(f"{nginx}{base}/master.m3u8")
    assert master.status_code == 200
    variant_uri = m3u8.loads(master.text).playlists[0].uri
    variant = httpx.get(f"{nginx}{base}/{variant_uri}")
    segment_uri = m3u8.loads(variant.text).segments[0].uri
    on_disk = (data_dir / "media" / video_id / segment_uri).read_bytes()

    through_nginx = httpx.get(f"{nginx}{base}/{segment_uri}")
    assert through_nginx.status_code == 200
    assert through_nginx.content == on_disk
    assert through_nginx.headers["content-type"] == "video/mp2t"
    assert through_nginx.headers["x-content-type-options"] == "nosniff"
    assert "x-accel-redirect" not in through_nginx.headers

    # The app itself answers with the redirect and no bytes.
    direct = httpx.get(f"{server.url}{base}/{segment_uri}")
    assert direct.status_code == 200 and direct.content == b""
    assert direct.headers["x-accel-redirect"] == f"/internal-media/{video_id}/{segment_uri}"

    # Without a valid token, or asking nginx's internal location directly: nothing.
    token = base.split("/")[2]
    other_video = ("0" if video_id[0] != "0" else "1") + video_id[1:]
    assert httpx.get(f"{nginx}/hls/{token}/{other_video}/{segment_uri}").status_code == 403
    cache_control = through_nginx.headers.get_list("cache-control")
    assert len(cache_control) == 1 and cache_control[0].startswith("private")
    assert through_nginx.headers.get_list("x-content-type-options") == ["nosniff"]
    assert through_nginx.headers["content-disposition"] == "inline"
    bad = httpx.get(f"{nginx}/hls/v1.k1.1.nginx-test-1.{'A' * 43}/{video_id}/{segment_uri}")
    assert bad.status_code == 403
    for path in (
        f"/internal-media/{video_id}/{segment_uri}",
        f"/internal-media/{video_id}/master.m3u8",
        "/internal-media/",
        f"/internal-media/../originals/{video_id}",
    ):
        response = httpx.get(f"{nginx}{path}")
        assert response.status_code == 404, path
        assert response.content != on_disk
