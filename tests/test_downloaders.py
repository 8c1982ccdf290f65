"""What real HLS clients can do with a viewer's own cookies (K6, S2, K1), against a real
`coursevault serve`: in `standard` key mode ffmpeg and yt-dlp copy the whole lesson; in the
default `session` mode they get keys that decrypt to noise; without the cookie, no key."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from coursevault.database import embedded_server
from coursevault.ffmpeg.binary import ffmpeg_path
from tests.conftest import TEST_SECRET
from tests.media_helpers import make_clip
from tests.processes import Server, Viewer, enrolled_playback, sign_up, upload_until_ready

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
SECONDS = 14  # three 6 s segments, each with its own key
CHECKPOINT_AT = 6.0  # the second and third periods wait for a pass (Q3)


@dataclass
class Setup:
    server: Server
    data_dir: Path
    standard: Viewer
    session: Viewer
    checkpointed: Viewer  # standard keys, a checkpoint at CHECKPOINT_AT not passed


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    work = tmp_path_factory.mktemp("downloaders")
    data_dir = work / "data"
    server = Server(
        data_dir, workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET,
        COURSEVAULT_KEY_ROTATION_SEGMENTS="1",
    )  # fmt: skip
    try:
        sign_up(server.url, "t@example.com", "instructor")
        sign_up(server.url, "s@example.com")
        clip = make_clip(work / "c.mp4", size="640x360", seconds=SECONDS).read_bytes()
        video_id = upload_until_ready(server.url, "t@example.com", PASSWORD, clip)

        # A video with checkpoints plays in one lesson only (Q3): the checkpointed lesson
        # gets its own upload of the same clip.
        checkpointed_video = upload_until_ready(server.url, "t@example.com", PASSWORD, clip)

        def viewer(policy: dict[str, object], checkpoint_at: float | None = None) -> Viewer:
            return enrolled_playback(
                server.url, teacher_email="t@example.com", student_email="s@example.com",
                password=PASSWORD, policy=policy, checkpoint_at=checkpoint_at,
                video_id=video_id if checkpoint_at is None else checkpointed_video,
            )  # fmt: skip

        yield Setup(
            server=server,
            data_dir=data_dir,
            standard=viewer({"key_protection": "standard"}),
            session=viewer({}),
            checkpointed=viewer(
                {"key_protection": "standard", "max_concurrent_streams": 3}, CHECKPOINT_AT
            ),
        )
    finally:
        server.stop()


def ffmpeg_decodes(url: str, cookie: str | None) -> tuple[int, str]:
    """Microseconds of video ffmpeg decodes from URL, and its error output."""
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    if cookie:
        args += ["-headers", f"Cookie: cv_access={cookie}\r\n"]
    args += ["-i", url, "-map", "0:v:0", "-f", "null", "-progress", "pipe:1", "-"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    decoded = max(
        (
            int(line.split("=")[1])
            for line in result.stdout.splitlines()
            if line.startswith("out_time_us=") and line.split("=")[1].isdigit()
        ),
        default=0,
    )
    return decoded, result.stderr


def video_frames(path: Path) -> int:
    """How many video frames PyAV decodes from PATH (0 when it is not a video at all)."""
    frames = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return 0
            for _ in container.decode(video=0):
                frames += 1
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        pass
    return frames


def yt_dlp(setup: Setup, viewer: Viewer, out: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """Runs yt-dlp with the viewer's cookies on the playlist; returns it and the frames of
    whatever it wrote."""
    out.mkdir()
    cookies = out / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n"
        f"127.0.0.1\tFALSE\t/\tFALSE\t0\tcv_access\t{viewer.access_cookie}\n"
    )
    result = subprocess.run(
        [
            sys.executable, "-m", "yt_dlp", "--cookies", str(cookies), "--downloader", "m3u8:native",
            "--ffmpeg-location", ffmpeg_path(), "--no-part", "--no-progress",
            "-o", str(out / "copy.%(ext)s"), f"{setup.server.url}{viewer.playlist_url}",
        ],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    written = [p for p in out.glob("copy.*") if p.is_file()]
    return result, max((video_frames(p) for p in written), default=0)


def test_K6_ffmpeg_with_the_viewers_cookie_plays_standard_keys_and_decodes_nothing_with_session_keys(
    setup: Setup,
) -> None:
    standard, errors = ffmpeg_decodes(
        f"{setup.server.url}{setup.standard.playlist_url}", setup.standard.access_cookie
    )
    assert standard >= (SECONDS - 0.5) * 1_000_000, errors  # every period's key worked
    assert "error" not in errors.lower()

    session, _ = ffmpeg_decodes(
        f"{setup.server.url}{setup.session.playlist_url}", setup.session.access_cookie
    )
    assert session == 0  # the same client, the same cookie: the keys decrypt to noise


def test_S2_K1_without_the_cookie_ffmpeg_gets_no_key(setup: Setup) -> None:
    decoded, errors = ffmpeg_decodes(f"{setup.server.url}{setup.standard.playlist_url}", None)
    assert "401" in errors, errors  # the key request was refused
    assert decoded == 0  # and not one frame was decoded
    assert embedded_server.find_running(setup.data_dir) is not None


def test_K6_yt_dlp_with_the_viewers_cookies_copies_standard_keys_but_not_session_keys(
    setup: Setup, tmp_path: Path
) -> None:
    copied, frames = yt_dlp(setup, setup.standard, tmp_path / "standard")
    assert copied.returncode == 0, copied.stderr
    assert frames >= (SECONDS - 1) * 25  # the whole lesson, decrypted: the tool works here

    got, frames = yt_dlp(setup, setup.session, tmp_path / "session")
    # It fetched every segment and every key with the viewer's cookie and wrote them out…
    written = sum(p.stat().st_size for p in (tmp_path / "session").glob("copy.*"))
    assert written > 100_000, got.stderr
    assert frames == 0, got.stderr  # …but the keys were session-bound: not one frame decodes


def test_Q3_yt_dlp_and_ffmpeg_with_the_viewers_cookie_get_nothing_after_a_checkpoint(
    setup: Setup, tmp_path: Path
) -> None:
    """Standard keys, which copy a whole lesson above, stop at a checkpoint not passed:
    the key server refuses the periods from 6 s on, so no tool decodes a frame after it."""
    got, frames = yt_dlp(setup, setup.checkpointed, tmp_path / "checkpoint")
    assert frames <= CHECKPOINT_AT * 25, got.stderr  # at most the first period's frames
    assert "403" in got.stderr, got.stderr
    decoded, errors = ffmpeg_decodes(
        f"{setup.server.url}{setup.checkpointed.playlist_url}", setup.checkpointed.access_cookie
    )
    assert decoded <= (CHECKPOINT_AT + 0.1) * 1_000_000, errors
    assert "403" in errors, errors
