"""Forensic watermark (F1-F4), against a real `coursevault serve`: a watermarked video is
encoded as A and B variants; each session of a watermarked course gets its own sequence of
them and may fetch no other; a copy made by a real HLS client (ffmpeg, in `standard` key
mode) and re-encoded like a screen recording names its session through `coursevault trace`.
"""

from __future__ import annotations

import asyncio
import base64
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import m3u8
import pytest

from coursevault.ffmpeg import command, runner
from coursevault.ffmpeg.binary import ffmpeg_path
from coursevault.ffmpeg.ladder import plan_renditions
from coursevault.ffmpeg.probe import probe
from coursevault.streaming.key_endpoint import wrap_for_session
from coursevault.watermark import mark
from tests.conftest import TEST_SECRET
from tests.media_helpers import decrypt_segment, make_clip
from tests.processes import (
    TEST_PRESET,
    Server,
    Viewer,
    create_account,
    enrolled_playback,
    run_cli,
    sign_up,
    upload_until_ready,
)

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
# 27 segments of 6 s: a number is named only when an accidental match is below one in a
# million, which takes about 21 agreeing segments for two issued numbers.
SECONDS = 160
MARKED = {"key_protection": "standard", "forensic_watermark": True}
SECRET = {"COURSEVAULT_SECRET_KEY": TEST_SECRET}  # the server's: codewords are keyed by it


@dataclass
class Site:
    server: Server
    data_dir: Path
    video_id: str
    clip: Path  # the upload: the plain ladder of a course without the policy is made from it
    marked: list[Viewer]
    plain: Viewer
    bound: Viewer  # session-bound keys (the default), watermarked too


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("forensic")
    data_dir = work / "data"
    create_account(data_dir, "root@example.com", "admin")  # only an operator makes admins
    server = Server(data_dir, workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET)
    try:
        sign_up(server.url, "t@example.com", "instructor")
        for student in ("ann", "bob", "cat", "dan"):
            sign_up(server.url, f"{student}@example.com")
        # 15 frames a second: the mark is per segment, and fewer frames cost less everywhere.
        clip = make_clip(work / "c.mp4", size="320x240", seconds=SECONDS, rate=15)
        video_id = upload_until_ready(
            server.url, "t@example.com", PASSWORD, clip.read_bytes(), forensic=True
        )

        def viewer(student: str, policy: dict[str, object]) -> Viewer:
            return enrolled_playback(
                server.url, teacher_email="t@example.com", student_email=f"{student}@example.com",
                password=PASSWORD, video_id=video_id, policy=policy,
            )  # fmt: skip

        yield Site(
            server=server,
            data_dir=data_dir,
            video_id=video_id,
            clip=clip,
            marked=[viewer("ann", MARKED), viewer("bob", MARKED)],
            plain=viewer("cat", {"key_protection": "standard"}),
            bound=viewer("dan", {"forensic_watermark": True}),
        )
    finally:
        server.stop()


def variant_playlist(site: Site, viewer: Viewer) -> tuple[str, str]:
    """The URL and text of the viewer's one rendition playlist."""
    master = httpx.get(site.server.url + viewer.playlist_url).text
    names = [line for line in master.splitlines() if line and not line.startswith("#")]
    assert names == ["240p.m3u8"], master  # one rendition, under its plain name
    url = site.server.url + viewer.playlist_url.rsplit("/", 1)[0] + "/240p.m3u8"
    return url, httpx.get(url).text


def segments_of(playlist: str) -> list[str]:
    return re.findall(r"^240p_([ab])_\d{5}\.ts$", playlist, flags=re.M)


def test_F1_F2_each_session_gets_its_own_variants_and_no_other(site: Site) -> None:
    (url_a, first), (_, second) = (variant_playlist(site, v) for v in site.marked)
    ann, bob = segments_of(first), segments_of(second)
    assert len(ann) == len(bob) == 27
    assert set(ann) == set(bob) == {"a", "b"} and ann != bob
    assert first.count("#EXT-X-KEY") == 27  # keys and IVs follow the variant chosen
    # The same session always gets the same sequence.
    assert segments_of(httpx.get(url_a).text) == ann
    # A session may fetch the variant its playlist names, never the other one.
    cookie = {"cv_access": site.marked[0].access_cookie}
    index = ann.index("b")
    base = url_a.rsplit("/", 1)[0]
    own = httpx.get(f"{base}/240p_b_{index:05d}.ts", cookies=cookie)
    other = httpx.get(f"{base}/240p_a_{index:05d}.ts", cookies=cookie)
    assert (own.status_code, other.status_code) == (200, 404)
    # A course without the policy gets the ordinary playlist: every segment A, the same
    # for everyone; its viewer cannot fetch a B segment either.
    _, plain = variant_playlist(site, site.plain)
    assert segments_of(plain) == ["a"] * 27
    plain_base = site.server.url + site.plain.playlist_url.rsplit("/", 1)[0]
    assert httpx.get(f"{plain_base}/240p_b_{index:05d}.ts").status_code == 404
    assert httpx.get(f"{plain_base}/240p_a.m3u8").status_code == 404  # not a served name
    # Session-bound keys and rotation are untouched: the playlist's key lines are the
    # variant's, and the session's keys are handed out as before.
    url_d, mine = variant_playlist(site, site.bound)
    assert "b" in segments_of(mine) and segments_of(mine) != ann
    periods = sorted(set(re.findall(r'URI="key/(\d+)"', mine)), key=int)
    assert len(periods) >= 4  # a new key every 8 segments
    bound_cookie = {"cv_access": site.bound.access_cookie}
    secret = base64.b64decode(site.bound.key_secret or "")
    chosen = m3u8.loads(mine).segments
    for index in (0, len(chosen) - 1):  # the first and the last period
        segment = chosen[index]
        base = url_d.rsplit("/", 1)[0]
        wrapped = httpx.get(f"{base}/{segment.key.uri}", cookies=bound_cookie)
        assert wrapped.status_code == 200
        key = wrap_for_session(wrapped.content, secret, site.video_id, int(segment.key.uri[4:]))
        data = httpx.get(f"{base}/{segment.uri}", cookies=bound_cookie).content
        clear = decrypt_segment(data, key, bytes.fromhex(segment.key.iv[2:]))
        assert clear[0] == 0x47 and clear[188] == 0x47  # MPEG-TS: the right key and IV


def leak(site: Site, viewer: Viewer | None, out: Path, seconds: int = SECONDS) -> Path:
    """What a pirate with the viewer's cookie gets: ffmpeg plays the HLS stream and the
    result is re-encoded like a screen recording (x264, 1 Mbit/s, 854x480). Without a
    VIEWER: the plain ladder of the upload, as a course without the policy serves a video
    encoded before its course turned the policy on (docs/security.md F7)."""
    if viewer is None:
        source = ["-i", str(plain_ladder(site.clip, out.parent / "plain-ladder"))]
    else:
        cookie = f"Cookie: cv_access={viewer.access_cookie}\r\n"
        source = ["-headers", cookie, "-i", site.server.url + viewer.playlist_url]
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", *source,
            "-map", "0:v:0", "-t", str(seconds), "-vf", "scale=854:480", "-c:v", "libx264", "-b:v", "1M",
            "-preset", "ultrafast", "-y", str(out),
        ],
        check=True,
        timeout=180,
    )  # fmt: skip
    return out


def plain_ladder(clip: Path, out: Path) -> Path:
    """The unmarked ladder of CLIP as the server encodes one (same rungs and preset), and
    its one rendition's playlist."""
    probed = probe(clip)
    renditions = plan_renditions(probed.width, probed.height)
    out.mkdir()
    job = command.HlsJob(
        source=clip, demuxer=probed.demuxer, has_audio=False, renditions=renditions,
        output_dir=out, preset=TEST_PRESET,
    )  # fmt: skip
    asyncio.run(runner.run(command.hls_ladder_args(job), timeout=300))
    return out / f"{renditions[0].name}.m3u8"


def test_F3_trace_names_the_session_of_each_copy(site: Site, tmp_path: Path) -> None:
    # Ann's copy through the command line...
    ann = site.marked[0]
    copy = leak(site, ann, tmp_path / "ann.mp4")
    traced = run_cli(site.data_dir, "trace", str(copy), "--video", site.video_id, **SECRET)
    print(traced.stdout)
    assert traced.returncode == 0, traced.stdout + traced.stderr
    assert f"session  {ann.session_id}" in traced.stdout
    assert "account  ann@example.com" in traced.stdout
    assert re.search(r"ip\s+127\.0\.0\.1", traced.stdout)
    # ... and Bob's through the admin page's API (the same analysis); only admins may ask.
    copy = leak(site, site.marked[1], tmp_path / "bob.mp4")
    admin = httpx.post(
        f"{site.server.url}/api/auth/login",
        json={"email": "root@example.com", "password": PASSWORD},
    ).json()["access_token"]
    url = f"{site.server.url}/api/admin/trace/{site.video_id}"
    answer = httpx.post(
        url, content=copy.read_bytes(), headers={"Authorization": f"Bearer {admin}"}, timeout=120
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["found"] and body["session"]["session_id"] == site.marked[1].session_id
    assert body["session"]["account"] == "bob@example.com" and body["chance"] < 1e-6
    assert body["agreeing"] == body["confident"] >= 21
    student = httpx.post(
        f"{site.server.url}/api/auth/login", json={"email": "ann@example.com", "password": PASSWORD}
    ).json()["access_token"]
    refused = httpx.post(url, content=b"x", headers={"Authorization": f"Bearer {student}"})
    assert refused.status_code == 403
    garbage = httpx.post(
        url, content=b"not a video" * 1000, headers={"Authorization": f"Bearer {admin}"}
    )
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "unreadable_copy"
    missing = httpx.post(
        f"{site.server.url}/api/admin/trace/{'0' * 24}",
        content=b"x",
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert missing.status_code == 404
    # Copies of unmarked streams name nobody and say so (F8): the ordinary (all-A) playlist
    # of a course without the policy through the command (exit status 3, as for any copy
    # that names nobody)...
    unmarked = leak(site, site.plain, tmp_path / "plain.mp4")
    traced = run_cli(site.data_dir, "trace", str(unmarked), "--video", site.video_id, **SECRET)
    print(traced.stdout)
    assert traced.returncode == 3, traced.stdout + traced.stderr
    assert "unmarked stream: this copy comes from an unmarked stream" in traced.stdout
    assert "too little" not in traced.stdout
    # ... and the plain ladder (the video encoded without variants) through the API.
    ladder = leak(site, None, tmp_path / "ladder.mp4")
    answer = httpx.post(
        url, content=ladder.read_bytes(), headers={"Authorization": f"Bearer {admin}"}, timeout=120
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    print("\n".join(body["report"]))
    assert body["unmarked"] and not body["found"] and body["sessions"] == [], body["report"]
    assert len(body["segments"]) >= 20 and "too little" not in body["reason"]
    # Nor does another video (through the API).
    other = tmp_path / "other.mp4"
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
            "-i", "testsrc=s=854x480:r=25", "-t", "20", "-c:v", "libx264",
            "-preset", "ultrafast", str(other),
        ],
        check=True,
    )  # fmt: skip
    answer = httpx.post(
        url, content=other.read_bytes(), headers={"Authorization": f"Bearer {admin}"}, timeout=60
    )
    assert answer.status_code == 200 and not answer.json()["found"]
    assert answer.json()["reason"] == "the copy does not match this video"


def test_F1_the_variants_are_invisible(tmp_path: Path) -> None:
    """Each variant against the unmarked encode of the same rung, x264 `veryfast` (the
    default preset): at least 42 dB PSNR."""
    clip = make_clip(tmp_path / "c.mp4", size="640x360", seconds=6)
    probed = probe(clip)
    renditions = plan_renditions(probed.width, probed.height)
    sizes = [(r.name, r.width, r.height) for r in renditions]
    patterns = mark.write_frames(mark.Pattern.of("test"), sizes, tmp_path)
    for name, marks in (("plain", ()), ("marked", patterns)):
        out = tmp_path / name
        out.mkdir()
        job = command.HlsJob(
            source=clip,
            demuxer=probed.demuxer,
            has_audio=True,
            renditions=renditions,
            output_dir=out,
            preset="veryfast",
            patterns=marks,
        )
        asyncio.run(runner.run(command.hls_ladder_args(job), timeout=300))
    for variant in ("a", "b"):
        compared = subprocess.run(
            [
                ffmpeg_path(), "-nostdin", "-hide_banner",
                "-i", str(tmp_path / "marked" / f"360p_{variant}.m3u8"),
                "-i", str(tmp_path / "plain" / "360p.m3u8"),
                "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-",
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        found = re.search(r"PSNR .* average:([\d.]+)", compared.stderr)
        assert found, compared.stderr[-500:]
        print(f"variant {variant}: {found.group(1)} dB")
        assert float(found.group(1)) >= 42


def test_D1_after_a_watermarked_encode_and_a_trace_the_next_encode_finishes(
    site: Site, tmp_path: Path
) -> None:
    """The server that made the watermarked variants (the fixture) traces a copy through
    the admin API and then converts an ordinary upload: the forked ffmpeg runs no Python
    before exec, so PyAV state left in other threads cannot freeze it (D1)."""
    admin = httpx.post(
        f"{site.server.url}/api/auth/login",
        json={"email": "root@example.com", "password": PASSWORD},
    ).json()["access_token"]
    copy = make_clip(tmp_path / "copy.mp4", size="320x240", seconds=12, rate=15)
    traced = httpx.post(
        f"{site.server.url}/api/admin/trace/{site.video_id}",
        content=copy.read_bytes(),
        headers={"Authorization": f"Bearer {admin}"},
        timeout=120,
    )
    assert traced.status_code == 200, traced.text
    clip = make_clip(tmp_path / "plain.mp4", size="320x240", seconds=4, rate=15).read_bytes()
    video_id = upload_until_ready(site.server.url, "t@example.com", PASSWORD, clip, timeout=120)
    assert httpx.get(f"{site.server.url}/healthz", timeout=5).status_code == 200
    assert video_id != site.video_id
