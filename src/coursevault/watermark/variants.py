"""Playlists of a watermarked video. The packager writes `<name>_a.m3u8` and
`<name>_b.m3u8` (same segments, same key periods, each segment with its own IV); the
master lists only `<name>.m3u8`, which no file holds: it is rendered per request from the
two (`Template`), following the session's codeword, or all A for a session without a
mark."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SEGMENT = re.compile(r"^([0-9]{2,4}p)_([ab])_([0-9]{5})\.ts$")


def finish(output: Path) -> None:
    """Rewrites the master to list each rendition once, under its plain name."""
    master = output / "master.m3u8"
    lines = master.read_text().splitlines()
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#EXT-X-STREAM-INF") and index + 1 < len(lines):
            uri = lines[index + 1].strip()
            if uri.endswith("_a.m3u8"):
                kept += [line, uri.removesuffix("_a.m3u8") + ".m3u8"]
            index += 2
            continue
        kept.append(line)
        index += 1
    master.write_text("\n".join(kept) + "\n")


@dataclass(frozen=True)
class Template:
    """Two variant playlists cut into a head, one chunk per segment (its key line,
    duration and URI) for A and for B, and a tail."""

    head: str
    a: tuple[str, ...]
    b: tuple[str, ...]
    tail: str

    @classmethod
    def parse(cls, a_text: str, b_text: str) -> Template:
        head_a, chunks_a, tail_a = _cut(a_text)
        _, chunks_b, _ = _cut(b_text)
        if len(chunks_a) != len(chunks_b):
            raise ValueError("the variant playlists have different segment counts")
        return cls(head=head_a, a=tuple(chunks_a), b=tuple(chunks_b), tail=tail_a)

    def render(self, bits: list[int]) -> str:
        chosen = (a if bit > 0 else b for a, b, bit in zip(self.a, self.b, bits, strict=True))
        return self.head + "".join(chosen) + self.tail


def _cut(text: str) -> tuple[str, list[str], str]:
    head: list[str] = []
    chunks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if not chunks and not current and not line.startswith(("#EXT-X-KEY", "#EXTINF")):
            head.append(line)
            continue
        current.append(line)
        if line and not line.startswith("#"):
            chunks.append("\n".join(current) + "\n")
            current = []
    return "\n".join(head) + "\n", chunks, "\n".join(current) + ("\n" if current else "")
