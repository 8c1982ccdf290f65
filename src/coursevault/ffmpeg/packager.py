"""Our HLS packager: encrypts the clear segments ffmpeg wrote and writes the playlists.

Why not ffmpeg's own encryption: `-hls_key_info_file` gives one key per video, and its
`periodic_rekey` flag re-reads the key file while encoding, which races for VOD. Here the
segments are cut first, then each one is encrypted with the key of its *period* (every
`rotation` segments share one key), and one `EXT-X-KEY` line precedes every segment
(RFC 8216 §4.3.2.4) naming the period's key URI and the segment's own random IV. The
renditions share the periods, so a quality switch needs no new key.

Framework-free like the rest of this package: paths and bytes in, files out.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_DIR = "key"  # key URIs are relative (`key/<period>`): they inherit the signed path
CHUNK = 1024 * 1024
_STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:.*?BANDWIDTH=(\d+)")
_SEGMENT = re.compile(r"^[0-9A-Za-z]+(_[ab])?_[0-9]{5}\.ts$")  # _a/_b: forensic variants


@dataclass(frozen=True)
class Packaged:
    periods: int  # how many distinct keys the playlists name
    segments: int  # segments per rendition
    bytes: int  # bytes encrypted (all renditions)


def period_of(index: int, rotation: int) -> int:
    """The key period of segment INDEX (0-based); rotation 0 means one key for all."""
    return index // rotation if rotation > 0 else 0


def bandwidths(master: Path) -> dict[str, int]:
    """Maps variant playlist name → BANDWIDTH from a master playlist."""
    lines = master.read_text().splitlines()
    result = {}
    for line, uri in itertools.pairwise(lines):
        match = _STREAM_INF.match(line)
        if match:
            result[uri.strip().removesuffix(".m3u8")] = int(match.group(1))
    return result


def _encrypt_file(source: Path, target: Path, key: bytes, iv: bytes) -> int:
    """AES-128-CBC with PKCS#7 padding, as HLS's METHOD=AES-128 requires."""
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    padder = padding.PKCS7(128).padder()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    total = 0
    with source.open("rb") as clear, os.fdopen(fd, "wb") as out:
        while chunk := clear.read(CHUNK):
            total += len(chunk)
            out.write(encryptor.update(padder.update(chunk)))
        out.write(encryptor.update(padder.finalize()) + encryptor.finalize())
    return total


def _package_variant(
    playlist: Path, output: Path, rotation: int, key_of: Callable[[int], bytes]
) -> tuple[int, int]:
    """Encrypts one rendition's segments into OUTPUT; returns (segments, bytes)."""
    lines: list[str] = []
    index = encrypted = 0
    iv: bytes | None = None  # the IV announced for the segment that follows
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXT-X-KEY"):
            raise ValueError(f"{playlist.name} is already encrypted")
        if line.startswith("#EXTINF"):
            iv = secrets.token_bytes(16)
            period = period_of(index, rotation)
            lines.append(f'#EXT-X-KEY:METHOD=AES-128,URI="{KEY_DIR}/{period}",IV=0x{iv.hex()}')
        elif line and not line.startswith("#"):
            if iv is None or not _SEGMENT.fullmatch(line):
                raise ValueError(f"unexpected line in {playlist.name}: {line!r}")
            key = key_of(period_of(index, rotation))
            encrypted += _encrypt_file(playlist.parent / line, output / line, key, iv)
            index, iv = index + 1, None
        lines.append(line)
    (output / playlist.name).write_text("\n".join(lines) + "\n")
    return index, encrypted


def package(
    clear: Path, output: Path, *, rotation: int, key_of: Callable[[int], bytes]
) -> Packaged:
    """Encrypts every rendition in CLEAR into OUTPUT (which must exist and be empty)
    with KEY_OF(period), and copies the master playlist; CLEAR is left as it was."""
    master = clear / "master.m3u8"
    variants = [clear / f"{name}.m3u8" for name in bandwidths(master)]
    if not variants:
        raise ValueError("the master playlist lists no variant")
    results = [_package_variant(v, output, rotation, key_of) for v in variants]
    counts = {segments for segments, _ in results}
    if len(counts) != 1 or 0 in counts:
        raise ValueError("renditions have different segment counts; keys would not line up")
    (output / master.name).write_bytes(master.read_bytes())
    segments = counts.pop()
    return Packaged(
        periods=period_of(segments - 1, rotation) + 1,
        segments=segments,
        bytes=sum(size for _, size in results),
    )
