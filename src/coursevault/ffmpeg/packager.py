"""Our HLS packager: encrypts the clear segments ffmpeg wrote and writes the playlists.

Why not ffmpeg's own encryption: `-hls_key_info_file` gives one key per video, and its
`periodic_rekey` flag re-reads the key file while encoding, which races for VOD. Here the
segments are cut first, then each one is encrypted with the key of its *period* (every
`rotation` segments share one key), and one `EXT-X-KEY` line precedes every segment
(RFC 8216 §4.3.2.4) naming the period's key URI and the segment's own random IV. The
renditions share the periods, so a quality switch needs no new key.

A rendition that plays before the ladder is done (first play) is packaged segment by
segment as ffmpeg finishes them (`GrowingVariant`), into an EVENT playlist (§6.2.1: lines
are only ever appended) that ends with EXT-X-ENDLIST once the last segment is in; `package`
then leaves it as it is, so the files a viewer of it already holds never change.

Framework-free like the rest of this package: paths and bytes in, files out.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from coursevault.ffmpeg import measure

KEY_DIR = "key"  # key URIs are relative (`key/<period>`): they inherit the signed path
CHUNK = 1024 * 1024
_STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:.*?BANDWIDTH=(\d+)")
_RATES = re.compile(r"(?<![-A-Z])BANDWIDTH=\d+|,?AVERAGE-BANDWIDTH=\d+")
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
        if line == "#EXT-X-PLAYLIST-TYPE:EVENT":  # ffmpeg's while it writes (command.py)
            line = "#EXT-X-PLAYLIST-TYPE:VOD"
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
    clear: Path,
    output: Path,
    *,
    rotation: int,
    key_of: Callable[[int], bytes],
    keep: Callable[[str], bool] = lambda name: True,
    done: dict[str, tuple[int, int]] | None = None,
) -> Packaged:
    """Encrypts the renditions in CLEAR whose names KEEP accepts into OUTPUT with
    KEY_OF(period), and writes the master playlist listing them with their measured rates;
    CLEAR is left as it was. DONE names renditions already packaged into OUTPUT (a
    `GrowingVariant`) with their (segments, bytes)."""
    done = done or {}
    master = clear / "master.m3u8"
    names = [name for name in bandwidths(master) if keep(name)]
    if not names:
        raise ValueError("the master playlist lists no variant")
    results = [
        done[name] if name in done else _package_variant(
            clear / f"{name}.m3u8", output, rotation, key_of
        )
        for name in names
    ]  # fmt: skip
    counts = {segments for segments, _ in results}
    if len(counts) != 1 or 0 in counts:
        raise ValueError("renditions have different segment counts; keys would not line up")
    write_master(master, output, names)
    segments = counts.pop()
    return Packaged(
        periods=period_of(segments - 1, rotation) + 1,
        segments=segments,
        bytes=sum(size for _, size in results),
    )


def write_master(master: Path, output: Path, names: list[str]) -> dict[str, measure.Rate]:
    """Writes MASTER into OUTPUT listing only NAMES, each with the BANDWIDTH and
    AVERAGE-BANDWIDTH its encrypted segments in OUTPUT measure (RFC 8216 §4.3.4.2: what
    hls.js chooses rungs by); returns them."""
    rates = {}
    for name in names:
        playlist = output / f"{name}.m3u8"
        found = measure.segments(playlist)
        rates[name] = measure.rates(found, measure.target_duration(playlist))
    for name in names:  # forensic variants: the master names A for both, so the larger
        if name.endswith("_a") and (other := rates.get(name.removesuffix("_a") + "_b")):
            mine = rates[name]
            rates[name] = measure.Rate(max(mine.peak, other.peak), max(mine.average, other.average))
    lines = master.read_text().splitlines()
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#EXT-X-STREAM-INF") and index + 1 < len(lines):
            name = lines[index + 1].strip().removesuffix(".m3u8")
            if name in rates:
                rate = rates[name]
                stated = f"BANDWIDTH={rate.peak},AVERAGE-BANDWIDTH={rate.average}"
                attributes = _RATES.sub("", line.split(":", 1)[1]).strip(",")
                kept += [f"#EXT-X-STREAM-INF:{stated},{attributes}", lines[index + 1]]
            index += 2
            continue
        kept.append(line)
        index += 1
    (output / master.name).write_text("\n".join(kept) + "\n")
    return rates


class GrowingVariant:
    """One rendition packaged while ffmpeg still writes it: each call to `advance` encrypts
    the segments ffmpeg's playlist has listed since (a segment is listed once it is
    closed), and `playlist` is the EVENT playlist of those packaged so far."""

    def __init__(
        self,
        clear_playlist: Path,
        output: Path,
        *,
        rotation: int,
        key_of: Callable[[int], bytes],
        target: int,
    ) -> None:
        self.clear_playlist = clear_playlist
        self.output = output
        self.rotation = rotation
        self.key_of = key_of
        self.target = target
        self.entries: list[str] = []  # the playlist lines of the packaged segments
        self.names: list[str] = []
        self.seconds = 0.0
        self.bytes = 0
        self.ended = False
        # EVENT while viewers may hold it; a rendition never published ends as VOD, like
        # the others (a playlist's type never changes once a player has seen it: §4.3.3.5).
        self.kind = "EVENT"

    @property
    def name(self) -> str:
        return self.clear_playlist.stem

    def advance(self) -> list[str]:
        """Encrypts the segments listed since the last call; returns their names."""
        try:
            text = self.clear_playlist.read_text()
        except FileNotFoundError:
            return []
        listed: list[tuple[str, str]] = []  # (EXTINF line, segment name)
        extinf = None
        for line in text.splitlines():
            if line.startswith("#EXTINF:"):
                extinf = line
            elif extinf and _SEGMENT.fullmatch(line):
                listed.append((extinf, line))
                extinf = None
        new = []
        for extinf, segment in listed[len(self.names) :]:
            index = len(self.names)
            iv = secrets.token_bytes(16)
            period = period_of(index, self.rotation)
            self.bytes += _encrypt_file(
                self.clear_playlist.parent / segment, self.output / segment, self.key_of(period), iv
            )
            self.entries += [
                f'#EXT-X-KEY:METHOD=AES-128,URI="{KEY_DIR}/{period}",IV=0x{iv.hex()}',
                extinf,
                segment,
            ]
            self.names.append(segment)
            self.seconds += float(extinf[len("#EXTINF:") :].split(",", 1)[0])
            self.target = max(self.target, round(float(extinf[8:].split(",", 1)[0])))
            new.append(segment)
        self.ended = "#EXT-X-ENDLIST" in text and len(listed) == len(self.names)
        return new

    def playlist(self) -> str:
        """The playlist of the segments packaged so far; with EXT-X-ENDLIST once ffmpeg's
        own playlist has ended and every segment is in. EXT-X-START asks players to begin
        an EVENT playlist at its start (a live playlist otherwise starts near its end)."""
        head = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{self.target}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            f"#EXT-X-PLAYLIST-TYPE:{self.kind}",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            *(["#EXT-X-START:TIME-OFFSET=0,PRECISE=YES"] if self.kind == "EVENT" else []),
        ]
        tail = ["#EXT-X-ENDLIST"] if self.ended else []
        return "\n".join([*head, *self.entries, *tail]) + "\n"

    def write_playlist(self, folder: Path) -> Path:
        """Writes the playlist into FOLDER whole (a reader sees the old or the new one)."""
        target = folder / f"{self.name}.m3u8"
        temporary = folder / f".{self.name}.m3u8.tmp"
        temporary.write_text(self.playlist())
        os.replace(temporary, target)
        return target

    def periods(self) -> int:
        return period_of(len(self.names) - 1, self.rotation) + 1 if self.names else 0


def expected_periods(duration: float, rotation: int, segment_seconds: float) -> int:
    """How many key periods a video of DURATION seconds will have at most (a segment more
    than its length fills: the last one may be cut short)."""
    segments = math.ceil(duration / segment_seconds) + 1
    return period_of(segments - 1, rotation) + 1
