"""What the tracer compares: per-frame luma means on an 8 x 8 grid (PyAV decodes; swscale's
area filter averages), for a suspected copy and for the published variants."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from coursevault.ffmpeg import probe
from coursevault.watermark.mark import GRID

FINE = 8  # alignment grid; GRID divides it
SAMPLE = 64  # frames are first reduced to SAMPLE x SAMPLE pixels

Floats = npt.NDArray[np.float32]


def _reduce(samples: npt.NDArray[np.uint8]) -> Floats:
    """(frames x SAMPLE x SAMPLE) pixels to (frames x FINE x FINE) means, in one pass."""
    step = SAMPLE // FINE
    grid = samples.reshape(len(samples), FINE, step, FINE, step).astype(np.float32)
    reduced: Floats = grid.mean(axis=(2, 4))
    return reduced


def frames(path: Path, *, container_format: str | None = None) -> tuple[Floats, float]:
    """(frames x FINE x FINE) luma means of every frame of PATH, and its frame rate."""
    found: list[npt.NDArray[np.uint8]] = []
    with av.open(
        str(path), format=container_format, options={"protocol_whitelist": "file"}
    ) as media:
        stream = media.streams.video[0]
        stream.thread_type = "AUTO"  # frame threads: decoding is most of a trace's time
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        for frame in media.decode(stream):
            small = frame.reformat(width=SAMPLE, height=SAMPLE, format="gray", interpolation="AREA")
            found.append(np.asarray(small.to_ndarray(), dtype=np.uint8))
    if not found:
        return np.zeros((0, FINE, FINE), np.float32), rate
    return _reduce(np.stack(found)), rate


def copy_frames(path: Path) -> tuple[Floats, float]:
    """`frames` of a suspected copy, opened as an upload is (U2, U3, F5): recognised by its
    first bytes and probed against the allow-lists, then read with that demuxer forced. An
    HLS playlist or an ffconcat script would have libavformat read the files it names (the
    admin's upload, or any path handed to `coursevault trace`); they raise ProbeRejected."""
    probed = probe.probe(path)
    return frames(path, container_format=probed.demuxer)


def segment_frames(paths: Iterable[Path]) -> tuple[Floats, list[int]]:
    """The frames of consecutive MPEG-TS segments, and the index of each one's first frame."""
    parts: list[Floats] = []
    starts: list[int] = []
    total = 0
    for path in paths:
        features, _ = frames(path, container_format="mpegts")
        starts.append(total)
        parts.append(features)
        total += len(features)
    return np.concatenate(parts) if parts else np.zeros((0, FINE, FINE), np.float32), starts


def coarse(fine: Floats) -> Floats:
    """FINE x FINE means to the mark's GRID x GRID blocks."""
    step = FINE // GRID
    blocks: Floats = fine.reshape(len(fine), GRID, step, GRID, step).mean(axis=(2, 4))
    return blocks
