"""Videos packaged before key rotation keep playing with their single key, and
`coursevault video repackage --all` re-packages them from their originals (K8)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from coursevault import clock
from coursevault.config import Settings
from coursevault.database import db
from coursevault.ffmpeg import command, runner
from coursevault.ffmpeg.ladder import plan_renditions
from coursevault.ffmpeg.probe import probe
from coursevault.media import repo as media_repo
from coursevault.media import service as media
from coursevault.media.keys import unwrap
from coursevault.media.models import KeyScheme, StoredKey, VideoStatus
from tests.media_helpers import decrypt_segment, make_clip, segment_keys
from tests.media_helpers import local_store as storage
from tests.processes import create_account, run_cli

pytestmark = pytest.mark.slow


async def package_the_old_way(settings: Settings, clip: Path, work: Path) -> str:
    """A ready video as the pipeline made them before key rotation: ffmpeg encrypts every
    segment with one key and IV (`-hls_key_info_file`), the playlists name `key`."""
    connection = await db.connect(settings)
    try:
        owner = await connection.db.users.find_one({})
        assert owner is not None
        video = await media_repo.insert_video(db=connection.db, owner_id=owner["_id"], title="Old")
        store = storage(settings)
        shutil.copyfile(clip, store.original(video.id))
        key, iv = bytes(range(16)), bytes(range(16, 32))
        (work / "key").write_bytes(key)
        (work / "keyinfo").write_text(f"key\n{work / 'key'}\n{iv.hex()}\n")
        out = work / "out"
        out.mkdir()
        probed = probe(clip)
        job = command.HlsJob(
            source=clip, demuxer=probed.demuxer, has_audio=True,
            renditions=plan_renditions(probed.width, probed.height), output_dir=out,
        )  # fmt: skip
        args = command.hls_ladder_args(job)
        at = args.index("-hls_segment_filename")
        keyed = [*args[:at], "-hls_key_info_file", str(work / "keyinfo"), *args[at:]]
        await runner.run(keyed, timeout=120)
        await store.publish(video.id, out, "legacy")
        wrapped = await asyncio.to_thread(_wrap_single, settings, video.id, key, iv)
        await media_repo.save_key(db=connection.db, video_id=video.id, stored=wrapped)
        await media_repo.update_video(
            db=connection.db, video_id=video.id, status=VideoStatus.ready.value, progress=1.0,
            duration=probed.duration, width=probed.width, height=probed.height,
            renditions=[], size=clip.stat().st_size, ready_at=clock.now(),
        )  # fmt: skip
        return video.id
    finally:
        await connection.close()


def _wrap_single(settings: Settings, video_id: str, key: bytes, iv: bytes) -> StoredKey:
    """The stored form the old pipeline wrote: the AES key itself, wrapped, and its IV."""
    from coursevault.media.keys import WRAP_KID, _wrapper

    nonce = bytes(12)
    wrapped = _wrapper(settings, WRAP_KID).encrypt(nonce, key, video_id.encode())
    return StoredKey(kid=WRAP_KID, nonce=nonce, wrapped=wrapped, scheme=KeyScheme.single, iv=iv)


async def first_segment_plays(settings: Settings, video_id: str) -> tuple[str, int]:
    """Decrypts the first 240p segment with what the key endpoint would serve; returns the
    key URI it names and how many periods the stored key material has."""
    connection = await db.connect(settings)
    try:
        root = storage(settings).media_dir(video_id)
        playlist = (root / "240p.m3u8").read_text()
        stored = await media_repo.get_key(db=connection.db, video_id=video_id)
        assert stored is not None
        found = await media.period_key(
            db=connection.db, settings=settings, video_id=video_id, period=0
        )
        assert found is not None
        if stored.scheme is KeyScheme.single:
            assert stored.iv is not None and unwrap(settings, video_id, stored) == found.key
            name = next(line for line in playlist.splitlines() if line.endswith(".ts"))
            clear = decrypt_segment((root / name).read_bytes(), found.key, stored.iv)
            uri = playlist.split('URI="', 1)[1].split('"', 1)[0]
        else:
            name, period, iv = segment_keys(root / "240p.m3u8")[0]
            clear = decrypt_segment((root / name).read_bytes(), found.key, iv)
            uri = f"key/{period}"
        assert clear[0] == 0x47 and clear[188] == 0x47  # MPEG-TS sync bytes: it decrypted
        return uri, stored.periods or 1
    finally:
        await connection.close()


def test_K8_old_single_key_videos_play_and_repackage_into_rotating_keys(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    create_account(data_dir, "t@example.com", "instructor")
    # The CLI's own settings: the development secret it generated into DATA_DIR.
    settings = Settings(_env_file=None, data_dir=data_dir, key_rotation_segments=1)
    clip = make_clip(tmp_path / "c.mp4", size="426x240", seconds=14)
    video_id = asyncio.run(package_the_old_way(settings, clip, tmp_path))

    assert asyncio.run(first_segment_plays(settings, video_id)) == ("key", 1)

    rotation = {"COURSEVAULT_KEY_ROTATION_SEGMENTS": "1"}
    repackaged = run_cli(data_dir, "video", "repackage", "--all", **rotation)
    assert repackaged.returncode == 0, repackaged.stderr
    assert "Re-packaged 1 of 1 video(s)." in repackaged.stdout

    assert asyncio.run(first_segment_plays(settings, video_id)) == ("key/0", 3)
    again = run_cli(data_dir, "video", "repackage", "--all", **rotation)
    assert "Re-packaged 0 of 0 video(s)." in again.stdout  # nothing outdated is left
    assert run_cli(data_dir, "video", "repackage").returncode == 2  # neither an id nor --all
