"""What an encoded ladder measures: each rung's segment rates (what the master playlist's
BANDWIDTH and AVERAGE-BANDWIDTH state) and whether a rung shows anything the rung below
does not (if not, it is dropped from the master playlist).

Framework-free like the rest of this package: playlists and segments in, numbers out.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coursevault.ffmpeg import runner
from coursevault.ffmpeg.command import INPUT_GUARD
from coursevault.ffmpeg.ladder import Rendition

# A rung is dropped when the kept rung below it, scaled up to its size, matches it with an
# SSIM of at least this on nine keyframes in ten: SSIM differences under 0.002 are what
# the ladder's quality goal counts as "the same picture" (docs/performance.md, "Lean
# ladders", measured there: text slides score 0.93-0.97 between rungs, noise-free still
# pictures above 0.999).
SAME_PICTURE_SSIM = 0.998
SAME_PICTURE_QUANTILE = 0.1  # the keyframe that nine in ten keyframes score above
COMPARE_TIMEOUT_SECONDS = 1800.0


@dataclass(frozen=True)
class Segment:
    name: str
    duration: float
    size: int


@dataclass(frozen=True)
class Rate:
    peak: int  # bit/s: BANDWIDTH (RFC 8216 §4.3.4.2)
    average: int  # bit/s: AVERAGE-BANDWIDTH


def segments(playlist: Path, folder: Path | None = None) -> list[Segment]:
    """The segments of a media PLAYLIST with their EXTINF durations and sizes on disk (in
    FOLDER, by default beside the playlist)."""
    folder = folder or playlist.parent
    found, duration = [], 0.0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
        elif line and not line.startswith("#"):
            found.append(Segment(line, duration, (folder / line).stat().st_size))
    return found


def target_duration(playlist: Path) -> int:
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXT-X-TARGETDURATION:"):
            return int(line.split(":", 1)[1])
    raise ValueError(f"{playlist.name} has no target duration")


def rates(found: list[Segment], target: float = 6.0) -> Rate:
    """BANDWIDTH as RFC 8216 §4.3.4.2 defines it: the largest bit rate of any run of
    contiguous segments lasting between 0.5 and 1.5 target durations (so a short last
    segment is judged with its neighbour); AVERAGE-BANDWIDTH: all bits over all seconds.
    Both round up, as a stated rate must not be below the real one."""
    seconds = sum(s.duration for s in found)
    if not found or seconds <= 0:
        return Rate(peak=0, average=0)
    average = sum(s.size for s in found) * 8 / seconds
    peak = 0.0
    for start in range(len(found)):
        bits = length = 0.0
        for segment in found[start:]:
            if length + segment.duration > 1.5 * target:
                break
            bits, length = bits + segment.size * 8, length + segment.duration
            if length >= 0.5 * target:
                peak = max(peak, bits / length)
    return Rate(peak=math.ceil(max(peak, average)), average=math.ceil(average))


@dataclass(frozen=True)
class Decision:
    kept: list[str]  # rendition names, smallest first
    similarity: dict[str, float]  # per compared rung: SSIM of the kept rung below, scaled up


def _quote(path: Path) -> str:
    """PATH as one filter option value (filtergraph quoting: ' and \\ escaped)."""
    return "'" + str(path).replace("\\", "\\\\").replace("'", "'\\''") + "'"


def similarity_args(lower: Path, upper: Path, rendition: Rendition, stats: Path) -> list[str]:
    """An ffmpeg run decoding only the keyframes of two rungs' playlists (every rung has
    them at the same instants, command.KEYFRAME_SECONDS apart) and writing per frame the
    SSIM of LOWER scaled up to UPPER's size against UPPER into STATS."""
    graph = (
        f"[0:v:0]scale={rendition.width}:{rendition.height}:flags=bicubic,setsar=1[low];"
        f"[low][1:v:0]ssim=stats_file={_quote(stats)}"
    )
    return [
        *INPUT_GUARD, "-loglevel", "error",
        "-skip_frame", "nokey", "-f", "hls", "-i", str(lower),
        "-skip_frame", "nokey", "-f", "hls", "-i", str(upper),
        "-lavfi", graph, "-an", "-f", "null", "-",
    ]  # fmt: skip


def quantile_ssim(stats: Path, quantile: float = SAME_PICTURE_QUANTILE) -> float:
    """The SSIM ("All") that all but QUANTILE of the frames in an `ssim` stats file reach."""
    values = sorted(
        float(part.split(":", 1)[1])
        for line in stats.read_text().splitlines()
        for part in line.split()
        if part.startswith("All:")
    )
    if not values:
        raise ValueError("no frame was compared")
    return values[min(len(values) - 1, int(quantile * len(values)))]


async def keep_rungs(folder: Path, renditions: list[Rendition], *, protected: set[str]) -> Decision:
    """Which rungs of the clear ladder in FOLDER to list: the lowest, every PROTECTED one,
    and each other whose picture differs from the kept rung below it (SSIM under
    SAME_PICTURE_SSIM on nine keyframes in ten). Names may carry a suffix (forensic
    variants are compared on their `_a` files)."""
    if not renditions:
        return Decision(kept=[], similarity={})
    kept, similarity = [renditions[0]], {}
    for rendition in renditions[1:]:
        below = kept[-1]
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            stats = Path(scratch) / "ssim.log"
            await runner.run(
                similarity_args(
                    _playlist(folder, below.name), _playlist(folder, rendition.name),
                    rendition, stats,
                ),
                timeout=COMPARE_TIMEOUT_SECONDS,
            )  # fmt: skip
            score = quantile_ssim(stats)
        similarity[rendition.name] = score
        if score < SAME_PICTURE_SSIM or rendition.name in protected:
            kept.append(rendition)
    return Decision(kept=[r.name for r in kept], similarity=similarity)


def _playlist(folder: Path, name: str) -> Path:
    plain = folder / f"{name}.m3u8"
    return plain if plain.exists() else folder / f"{name}_a.m3u8"
