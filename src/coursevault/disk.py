"""Free space in the data directory, against the reserve the platform keeps for itself.

The embedded database, the job queue and transcodes write to the same disk as uploads. An
upload that fills the disk takes them all down (a full disk made deletes and new videos
fail), so uploads stop at `COURSEVAULT_DISK_RESERVE_BYTES` of free space.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from coursevault.config import Settings


def free_bytes(path: Path) -> int:
    """Returns the bytes an unprivileged process may still write on PATH's filesystem (or,
    before PATH exists, on the filesystem it will be made on)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def room_for(settings: Settings, needed: int) -> bool:
    """Returns whether NEEDED more bytes fit in the data directory above the reserve."""
    return free_bytes(settings.data_dir) - needed >= settings.disk_reserve_bytes


def is_low(settings: Settings) -> bool:
    """Returns whether free space is already below the reserve (uploads are refused)."""
    return not room_for(settings, 0)
