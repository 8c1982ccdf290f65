"""Where media bytes live. Local directories under DATA_DIR now; the pipeline only uses
this interface, so an S3-compatible store can replace it without touching the pipeline.

Every path is built from server ids (U4, S5); nothing here takes a user-supplied name.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from functools import cache
from pathlib import Path

from coursevault.config import Settings

_ID = re.compile(r"^[0-9a-f]{24}$")


def _checked(video_id: str) -> str:
    if not _ID.fullmatch(video_id):
        raise ValueError(f"not a video id: {video_id!r}")
    return video_id


class LocalStorage:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir.resolve()
        for name in ("uploads", "originals", "media", "work"):
            (self.root / name).mkdir(mode=0o700, parents=True, exist_ok=True)

    def upload_part(self, video_id: str, upload_id: str) -> Path:
        """The file a tus upload appends to."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", upload_id):
            raise ValueError("bad upload id")
        return self.root / "uploads" / f"{_checked(video_id)}-{upload_id}.part"

    def original(self, video_id: str) -> Path:
        """The complete upload, kept for re-processing and never served."""
        return self.root / "originals" / _checked(video_id)

    def media_dir(self, video_id: str) -> Path:
        """The published HLS output of a video."""
        return self.root / "media" / _checked(video_id)

    def work_dir(self, video_id: str) -> Path:
        """A job's scratch space: on the same file system, so publishing is one rename."""
        return self.root / "work" / _checked(video_id)

    def fresh_work_dir(self, video_id: str) -> Path:
        """Empties and returns the work dir (a killed earlier attempt may have left files)."""
        work = self.work_dir(video_id)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(mode=0o700, parents=True)
        return work

    def publish(self, video_id: str, output: Path) -> None:
        """Moves a finished output directory into place atomically, replacing an older one."""
        target = self.media_dir(video_id)
        if target.exists():
            old = target.with_name(f".{video_id}.old-{secrets.token_hex(4)}")
            os.rename(target, old)
            os.rename(output, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(output, target)

    def delete_video(self, video_id: str) -> None:
        """Removes every file of a video: parts, original, output, scratch."""
        for part in (self.root / "uploads").glob(f"{_checked(video_id)}-*.part"):
            part.unlink(missing_ok=True)
        self.original(video_id).unlink(missing_ok=True)
        shutil.rmtree(self.media_dir(video_id), ignore_errors=True)
        shutil.rmtree(self.work_dir(video_id), ignore_errors=True)


@cache
def _storage_for(data_dir: Path) -> LocalStorage:
    return LocalStorage(data_dir)


def storage(settings: Settings) -> LocalStorage:
    """Returns the media storage of SETTINGS (one object per data directory)."""
    return _storage_for(settings.data_dir)
