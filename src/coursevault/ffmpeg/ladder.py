"""The rendition ladder: standard rungs up to the source's size, never upscaled."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    short_side: int
    video_kbps: int


LADDER = (
    Rung(240, 400),
    Rung(360, 800),
    Rung(480, 1400),
    Rung(720, 2800),
    Rung(1080, 5000),
)
AUDIO_KBPS = 128


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    video_kbps: int


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan_renditions(width: int, height: int, ladder: tuple[Rung, ...] = LADDER) -> list[Rendition]:
    """Returns the renditions for a WIDTHxHEIGHT source, smallest first.

    Rungs are named by the short side, so a portrait 1080x1920 clip gets "720p" at
    720x1280. A source smaller than the lowest rung gets one rendition at its own size.
    """
    short, long_ = min(width, height), max(width, height)
    rungs = [rung for rung in ladder if rung.short_side <= short] or [
        Rung(_even(short), ladder[0].video_kbps)
    ]
    renditions = []
    for rung in rungs:
        scaled_long = _even(long_ * rung.short_side / short)
        side = _even(rung.short_side)
        w, h = (scaled_long, side) if width >= height else (side, scaled_long)
        renditions.append(Rendition(f"{rung.short_side}p", w, h, rung.video_kbps))
    return renditions
