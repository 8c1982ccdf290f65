"""Which ffmpeg to run: COURSEVAULT_FFMPEG, else the one the imageio-ffmpeg wheel ships."""

from __future__ import annotations

import os
import shutil
from functools import cache


class FFmpegMissing(RuntimeError):
    """No ffmpeg could be found."""


@cache
def ffmpeg_path() -> str:
    configured = os.environ.get("COURSEVAULT_FFMPEG")
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise FFmpegMissing(f"COURSEVAULT_FFMPEG={configured} is not an executable")
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise FFmpegMissing("install imageio-ffmpeg or set COURSEVAULT_FFMPEG") from exc
    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    return path
