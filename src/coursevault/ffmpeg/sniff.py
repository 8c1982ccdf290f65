"""Container detection from magic bytes, by our own code.

libavformat's auto-probing would happily open an HLS playlist or an ffconcat script
named `.mp4` and then read whatever local files they list (U2, U3). We decide the
demuxer from the file's first bytes and force it; anything else is refused before
libav sees it.
"""

from __future__ import annotations

from pathlib import Path

TS_PACKET = 188
SNIFF_BYTES = 4096

# Our name → the libavformat demuxer forced for it.
DEMUXERS = {
    "mp4": "mov",
    "matroska": "matroska",
    "avi": "avi",
    "mpegts": "mpegts",
    "flv": "flv",
}
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff_container(path: Path) -> str | None:
    """Returns our container name for PATH (a key of DEMUXERS), or None if not allowed."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if len(head) >= 12 and head[4:8] in _MP4_BOXES:
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"FLV\x01"):
        return "flv"
    packets = len(head) // TS_PACKET
    if packets >= 3 and all(head[i * TS_PACKET] == 0x47 for i in range(packets)):
        return "mpegts"
    return None
