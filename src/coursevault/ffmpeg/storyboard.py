"""Seek previews: one JPEG sprite of small frames and the WebVTT track that maps each
stretch of the timeline to its tile (`storyboard.jpg#xywh=x,y,w,h`), the format
video.js, Vidstack and PeerTube read.

The frames come from the transcode's own decode (one more branch of its filter graph),
so a storyboard costs a scale and a JPEG, not another pass over the source. That branch
writes each frame as it comes and a second, tiny run tiles them: a sprite written only at
the end held back ffmpeg's `-progress` clock (the slowest output sets it), so a video's
progress stayed at 0 until it was ready.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from coursevault.ffmpeg.webvtt import stamp

IMAGE = "storyboard.jpg"
FRAMES = "storyboard_%04d.jpg"  # the transcode's frames, tiled into IMAGE afterwards
TRACK = "storyboard.vtt"
TILE_WIDTH = 160
MAX_TILES = 100  # one sprite of at most 10 x 10 tiles (1600 px wide)
COLUMNS = 10
MIN_INTERVAL = 2


@dataclass(frozen=True)
class Storyboard:
    interval: int  # seconds of video per tile
    count: int
    columns: int
    rows: int
    width: int  # of one tile
    height: int


def plan(duration: float, width: int, height: int) -> Storyboard:
    interval = max(MIN_INTERVAL, math.ceil(duration / MAX_TILES))
    count = max(1, math.ceil(duration / interval))
    columns = min(COLUMNS, count)
    tile_height = max(2, round(TILE_WIDTH * height / width / 2) * 2)
    return Storyboard(
        interval=interval,
        count=count,
        columns=columns,
        rows=math.ceil(count / columns),
        width=TILE_WIDTH,
        height=tile_height,
    )


def filter_chain(board: Storyboard) -> str:
    """The filters turning decoded frames into the storyboard's frames, one per tile."""
    return f"fps=1/{board.interval},scale={board.width}:{board.height}:flags=bilinear,setsar=1"


def frame_output_args(folder: Path) -> list[str]:
    """The transcode's output options for the frames of its `[board]` branch."""
    return ["-map", "[board]", "-c:v", "mjpeg", "-q:v", "5", "-f", "image2", str(folder / FRAMES)]


def sprite_args(board: Storyboard, folder: Path) -> list[str]:
    """An ffmpeg invocation that tiles the frames in FOLDER into the sprite (IMAGE)."""
    return [
        "-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file",
        "-f", "image2", "-i", str(folder / FRAMES),
        "-vf", f"tile={board.columns}x{board.rows}",
        "-frames:v", "1", "-q:v", "5", "-f", "image2", "-update", "1", "-y",
        str(folder / IMAGE),
    ]  # fmt: skip


def track(board: Storyboard, duration: float) -> str:
    """The WebVTT thumbnails track for BOARD (tile URLs relative to the track)."""
    cues = []
    for index in range(board.count):
        start = index * board.interval
        end = min(duration, start + board.interval)
        if end <= start:
            break
        x = (index % board.columns) * board.width
        y = (index // board.columns) * board.height
        cues.append(
            f"{stamp(start)} --> {stamp(end)}\n{IMAGE}#xywh={x},{y},{board.width},{board.height}"
        )
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"
