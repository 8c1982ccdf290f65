"""Upload through tus → probe → one-process encrypted HLS ladder, checked as a player would."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import httpx
import m3u8
import pytest
from cryptography.exceptions import InvalidTag

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.ffmpeg import command, runner
from coursevault.ffmpeg.binary import ffmpeg_path
from coursevault.media import keys as content_keys
from coursevault.media import pipeline as media_jobs
from coursevault.media import service as media
from coursevault.media.models import StoredKey
from tests.conftest import BASE_URL, start_app
from tests.factories import signed_in
from tests.media_helpers import (
    TUS,
    decrypt_segment,
    leftovers,
    make_clip,
    new_video,
    patch,
    plain_key,
    segment_keys,
    upload_file,
    wait_for_video,
)
from tests.media_helpers import local_store as media_storage


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("clips")
    return {
        "landscape": make_clip(root / "landscape.mp4", size="640x360", seconds=4),
        "silent": make_clip(root / "silent.mkv", size="320x240", seconds=3, audio=False),
        "portrait": make_clip(root / "portrait.mp4", size="360x640", seconds=3),
        "tiny": make_clip(root / "tiny.mp4", size="128x96", seconds=2),
    }


def media_files(settings: Settings, video_id: str) -> list[str]:
    return sorted(p.name for p in media_storage(settings).media_dir(video_id).iterdir())


async def instructor_headers(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> dict[str, str]:
    return (await signed_in(client, db, settings, role=Role.instructor)).bearer


async def test_upload_with_resume_then_encrypted_adaptive_hls(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    clips: dict[str, Path],
    tmp_path: Path,
) -> None:
    headers = await instructor_headers(client, db, settings)
    video = await new_video(client, headers, "Intro")
    assert video["status"] == "awaiting_upload"
    data = clips["landscape"].read_bytes()
    created = await client.post(
        video["upload_url"], headers={**headers, **TUS, "Upload-Length": str(len(data))}
    )
    assert created.status_code == 201
    location = created.headers["Location"]
    assert "Upload-Expires" in created.headers

    first = await patch(client, headers, location, 0, data[:100_000])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "100000"
    status = (await client.get(f"/api/videos/{video['id']}", headers=headers)).json()
    assert status["status"] == "uploading" and 0 < status["progress"] < 1
    # A client that lost track sends the wrong offset: 409, and nothing changes.
    wrong = await patch(client, headers, location, 50_000, data[50_000:150_000])
    assert wrong.status_code == 409
    assert wrong.json()["error"]["detail"] == {"offset": 100_000}

    # The server restarts; the upload resumes where it stopped.
    restarted, lifespan = await start_app(settings)
    try:
        transport = httpx.ASGITransport(app=restarted)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as other:
            head = await other.head(location, headers={**headers, **TUS})
            assert head.status_code == 200
            assert head.headers["Upload-Offset"] == "100000"
            assert head.headers["Upload-Length"] == str(len(data))
            assert head.headers["Cache-Control"] == "no-store"
            offset = 100_000
            while offset < len(data):
                response = await patch(
                    other, headers, location, offset, data[offset : offset + 65536]
                )
                assert response.status_code == 204
                offset = int(response.headers["Upload-Offset"])
    finally:
        await lifespan.__aexit__(None, None, None)

    ready, seen = await wait_for_video(client, headers, video["id"])
    assert ready["status"] == "ready", ready["error"]
    assert seen[-1] == "ready" and set(seen) <= {"queued", "processing", "ready"}
    assert ready["progress"] == 1.0
    assert (ready["width"], ready["height"]) == (640, 360)
    assert 3.5 < ready["duration"] < 4.5
    assert [(r["name"], r["width"], r["height"]) for r in ready["renditions"]] == [
        ("240p", 426, 240),
        ("360p", 640, 360),
    ]
    assert ready["renditions"][0]["bandwidth"] < ready["renditions"][1]["bandwidth"]
    assert ready["original_filename"] is None and ready["size"] == len(data)

    files = media_files(settings, video["id"])
    assert {"master.m3u8", "240p.m3u8", "360p.m3u8", "poster.jpg"} <= set(files)
    assert {"storyboard.jpg", "storyboard.vtt"} <= set(files)  # the seek previews
    assert all(f.endswith((".m3u8", ".ts", ".jpg", ".vtt")) for f in files)
    root = media_storage(settings).media_dir(video["id"])

    master = m3u8.load(str(root / "master.m3u8"))
    assert master.is_variant and len(master.playlists) == 2
    for playlist, rendition in zip(master.playlists, ready["renditions"], strict=True):
        info = playlist.stream_info
        assert info.bandwidth == rendition["bandwidth"]
        assert info.resolution == (rendition["width"], rendition["height"])
        assert info.codecs.startswith("avc1.") and "mp4a.40.2" in info.codecs

    key = await plain_key(db, settings, video["id"], period=0)
    assert len(key) == 16
    for name, rendition in zip(("240p", "360p"), ready["renditions"], strict=True):
        variant = m3u8.load(str(root / f"{name}.m3u8"))
        assert variant.target_duration <= 6 and variant.is_endlist
        assert variant.playlist_type == "vod"
        assert variant.keys[0].method == "AES-128" and variant.keys[0].uri == "key/0"
        (segment_name, period, iv), *_ = segment_keys(root / f"{name}.m3u8")
        assert segment_name == variant.segments[0].uri and period == 0
        raw = (root / segment_name).read_bytes()
        assert raw[0] != 0x47 or raw[188] != 0x47  # encrypted: no visible MPEG-TS sync bytes
        clear = tmp_path / f"{name}.ts"
        clear.write_bytes(decrypt_segment(raw, key, iv))
        with av.open(str(clear), format="mpegts") as container:
            kinds = {s.type for s in container.streams}
            assert kinds == {"video", "audio"}
            frame = next(container.decode(video=0))
            assert (frame.width, frame.height) == (rendition["width"], rendition["height"])

    assert leftovers(settings) == []
    assert media_storage(settings).original(video["id"]).exists()
    assert not list(media_storage(settings).root.rglob("key"))


@pytest.mark.parametrize(
    ("clip", "expected"),
    [
        ("silent", [("240p", 320, 240)]),
        ("portrait", [("240p", 240, 426), ("360p", 360, 640)]),
        ("tiny", [("96p", 128, 96)]),
    ],
)
async def test_ladder_fits_the_source_and_audio_is_optional(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    clips: dict[str, Path],
    tmp_path: Path,
    clip: str,
    expected: list[tuple[str, int, int]],
) -> None:
    headers = await instructor_headers(client, db, settings)
    video = await new_video(client, headers)
    await upload_file(client, headers, video["upload_url"], clips[clip].read_bytes())
    ready, _ = await wait_for_video(client, headers, video["id"])
    assert ready["status"] == "ready", ready["error"]
    assert [(r["name"], r["width"], r["height"]) for r in ready["renditions"]] == expected
    root = media_storage(settings).media_dir(video["id"])
    (segment_name, period, iv), *_ = segment_keys(root / f"{expected[0][0]}.m3u8")
    key = await plain_key(db, settings, video["id"], period=period)
    clear = tmp_path / "segment.ts"
    raw = (root / segment_name).read_bytes()
    clear.write_bytes(decrypt_segment(raw, key, iv))
    with av.open(str(clear), format="mpegts") as container:
        kinds = sorted(s.type for s in container.streams)
    assert kinds == (["video"] if clip == "silent" else ["audio", "video"])
    assert leftovers(settings) == []


async def test_each_video_has_its_own_key_and_keys_are_stored_wrapped(
    client: httpx.AsyncClient, db: Database, settings: Settings, clips: dict[str, Path]
) -> None:
    """K3: a random key per video, stored only AES-GCM-wrapped, bound to its video."""
    headers = await instructor_headers(client, db, settings)
    ids = []
    for _ in range(2):
        video = await new_video(client, headers)
        await upload_file(client, headers, video["upload_url"], clips["tiny"].read_bytes())
        ready, _ = await wait_for_video(client, headers, video["id"])
        assert ready["status"] == "ready"
        ids.append(video["id"])
    keys = [await plain_key(db, settings, i) for i in ids]
    assert keys[0] != keys[1]
    for video_id, key in zip(ids, keys, strict=True):
        stored = await db.video_keys.find_one({"_id": video_id})
        assert stored is not None
        secret = content_keys.unwrap(settings, video_id, StoredKey.model_validate(stored))
        assert key not in repr(stored).encode() and secret not in repr(stored).encode()
        assert secret not in stored["wrapped"]
    # Wrapped key material copied onto another video does not unwrap.
    first = await db.video_keys.find_one({"_id": ids[0]})
    assert first is not None
    await db.video_keys.replace_one({"_id": ids[1]}, {**first, "_id": ids[1]})
    with pytest.raises(InvalidTag):
        await media.period_key(db=db, settings=settings, video_id=ids[1], period=0)


async def test_a_picture_track_shorter_than_the_sound_still_gets_a_poster(
    tmp_path: Path,
) -> None:
    # 0.4 s of picture, 3 s of sound: no frame exists at 1 s, where the poster is taken.
    clip = tmp_path / "short-picture.mp4"
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.4",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            str(clip),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    poster = tmp_path / "poster.jpg"
    with pytest.raises(runner.FFmpegFailed):  # what the job did before: fail the video
        await runner.run(command.poster_args(clip, "mov", poster, 1.0), timeout=60)
    await media_jobs.write_poster(clip, "mov", poster, duration=3.0)
    with av.open(str(poster)) as image:  # a real JPEG: the first frame
        frame = next(image.decode(video=0))
        assert (frame.width, frame.height) == (320, 240)


async def test_an_ffmpeg_failure_reads_as_a_reason_not_as_ffmpeg_output(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\xde\xad" * 5000)
    with pytest.raises(runner.FFmpegFailed) as failed:
        await runner.run(command.poster_args(broken, "mov", tmp_path / "p.jpg", 0.0), timeout=60)
    message = str(failed.value)
    assert failed.value.stderr  # the raw text is kept, for the log
    assert "0x" not in message and "ffmpeg" not in message.lower() and "@" not in message
    assert message[0].isupper()
