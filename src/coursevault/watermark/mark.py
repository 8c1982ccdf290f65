"""The forensic mark: a ±AMPLITUDE luma offset on a grid of large blocks, with a per-video
pattern of signs; variant A adds the pattern, variant B subtracts it.

Why this mark: block means survive what a screen recording or a leak goes through
(scaling, re-encoding at a low bit rate, a new container) because they are the lowest
spatial frequency there is, and one level of luma over a block is below what anyone sees
(the variants stay above 42 dB PSNR against the unmarked encode). Averaged over the
frames of a 6-second segment, the sign of (copy - reference midpoint) . pattern tells A
from B. Framework-free: numbers and bytes in and out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

GRID = 4  # GRID x GRID blocks
AMPLITUDE = 1  # luma levels
MID = 128  # ffmpeg's blend grain modes add (pattern - 128): ffmpeg/command.py


@dataclass(frozen=True)
class Pattern:
    seed: str
    signs: tuple[int, ...]  # GRID * GRID values of +1 / -1, row by row, half of each

    @classmethod
    def of(cls, seed: str) -> Pattern:
        # Half the blocks up, half down (the frame's mean brightness is unchanged): the
        # positions are the order of the blocks sorted by a keyed hash.
        blocks = GRID * GRID
        order = sorted(range(blocks), key=lambda b: hashlib.sha256(f"{seed}:{b}".encode()).digest())
        signs = [0] * blocks
        for rank, block in enumerate(order):
            signs[block] = 1 if rank < blocks // 2 else -1
        return cls(seed=seed, signs=tuple(signs))


def write_frame(pattern: Pattern, width: int, height: int, path: Path) -> None:
    """One raw yuv420p frame holding MID + AMPLITUDE * sign in luma (chroma MID), the
    second input of ffmpeg's `blend` for one rendition's size."""
    rows = []
    for block_row in range(GRID):
        row = b"".join(
            bytes([MID + AMPLITUDE * pattern.signs[block_row * GRID + column]])
            * (((column + 1) * width) // GRID - (column * width) // GRID)
            for column in range(GRID)
        )
        top, bottom = (block_row * height) // GRID, ((block_row + 1) * height) // GRID
        rows.append(row * (bottom - top))
    chroma = bytes([MID]) * ((width // 2) * (height // 2))
    path.write_bytes(b"".join(rows) + chroma + chroma)


def write_frames(
    pattern: Pattern, sizes: list[tuple[str, int, int]], directory: Path
) -> tuple[Path, ...]:
    """One pattern frame per (name, width, height) rendition size, in DIRECTORY."""
    paths = []
    for name, width, height in sizes:
        path = directory / f"pattern-{name}.yuv"
        write_frame(pattern, width, height, path)
        paths.append(path)
    return tuple(paths)
