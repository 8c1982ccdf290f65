"""The reference the tracer needs, made once by the transcode from the clear variants of
the lowest rendition, and stored beside the published output (never served: it is not
a name delivery knows).

`mid` is the midpoint of A and B per frame (FINE x FINE, so the copy can be aligned to
it), `expected` the mark per segment and block as the encoder left it ((A - B) / 2
averaged over the segment), `starts` the first frame of each segment.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coursevault.watermark import features

NAME = "forensic.npz"


@dataclass(frozen=True)
class Reference:
    mid: features.Floats  # frames x FINE x FINE
    expected: features.Floats  # segments x GRID x GRID
    starts: list[int]
    rate: float

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(
            out,
            mid=np.round(self.mid * 64).astype(np.uint16),  # 1/64 of a level is plenty
            expected=self.expected.astype(np.float32),
            starts=np.asarray(self.starts, dtype=np.int64),
            rate=np.asarray([self.rate]),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Reference:
        with np.load(io.BytesIO(data)) as stored:
            return cls(
                mid=stored["mid"].astype(np.float32) / 64,
                expected=stored["expected"],
                starts=[int(x) for x in stored["starts"]],
                rate=float(stored["rate"][0]),
            )


def build(a_segments: list[Path], b_segments: list[Path], rate: float) -> Reference:
    a, starts = features.segment_frames(a_segments)
    b, b_starts = features.segment_frames(b_segments)
    if starts != b_starts or len(a) != len(b):
        raise ValueError("the variants have different frames; they cannot be told apart")
    half = features.coarse(((a - b) / 2).astype(np.float32))
    bounds = [*starts, len(a)]
    expected = np.stack([half[s:e].mean(axis=0) for s, e in itertools.pairwise(bounds)])
    mid = ((a + b) / 2).astype(np.float32)
    return Reference(mid=mid, expected=expected.astype(np.float32), starts=starts, rate=rate)


def write(reference: Reference, output: Path) -> None:
    (output / NAME).write_bytes(reference.to_bytes())
