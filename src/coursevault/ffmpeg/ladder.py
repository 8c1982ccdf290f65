"""The rendition ladder: standard rungs up to the source's size, never upscaled."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rung:
    short_side: int
    video_kbps: int  # the fixed ladder's rate; the adaptive ladder is capped at 95 % of it
    # x264's constant-quality factor under that cap (command.py): easy pictures (slides, a
    # still speaker) take what they need, hard ones the cap. Smaller rungs get a lower
    # factor: they are watched scaled up, which magnifies their artefacts. Measured on
    # worst-case motion (bench/ladder.py): 23 everywhere left the small rungs up to 0.004
    # SSIM below the fixed ladder, 19/20/21/22 left 480p 0.0022 below; these hold them
    # within 0.002 (docs/performance.md, "Lean ladders").
    crf: int = 23
    # The adaptive ladder's AAC rate. The SD rungs are the weak connections' and a lecture
    # is speech: 64 kbit/s (stereo AAC-LC) there; music-grade 128 for HD. On clean slides
    # the sound was most of the bytes (docs/performance.md, "Lean ladders").
    audio_kbps: int = 128


AUDIO_KBPS = 128  # the fixed ladder's, every rung
LADDER = (
    Rung(240, 400, crf=19, audio_kbps=64),
    Rung(360, 800, crf=20, audio_kbps=64),
    Rung(480, 1400, crf=20, audio_kbps=64),
    Rung(720, 2800, crf=21),
    Rung(1080, 5000, crf=22),
)
# The rung a new upload plays first, while the rest is encoded (media/first_play.py): the
# largest up to this short side. 360p: watchable full-screen on a laptop for slides, and
# within reach of most connections while it is the only rung on offer.
FIRST_PLAY_SHORT_SIDE = 360


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    video_kbps: int
    crf: int = 23
    audio_kbps: int = AUDIO_KBPS


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan_renditions(width: int, height: int, ladder: tuple[Rung, ...] = LADDER) -> list[Rendition]:
    """Returns the renditions for a WIDTHxHEIGHT source, smallest first.

    Rungs are named by the short side, so a portrait 1080x1920 clip gets "720p" at
    720x1280. A source smaller than the lowest rung gets one rendition at its own size.
    """
    short, long_ = min(width, height), max(width, height)
    rungs = [rung for rung in ladder if rung.short_side <= short] or [
        Rung(_even(short), ladder[0].video_kbps, ladder[0].crf, ladder[0].audio_kbps)
    ]
    renditions = []
    for rung in rungs:
        scaled_long = _even(long_ * rung.short_side / short)
        side = _even(rung.short_side)
        w, h = (scaled_long, side) if width >= height else (side, scaled_long)
        renditions.append(
            Rendition(f"{rung.short_side}p", w, h, rung.video_kbps, rung.crf, rung.audio_kbps)
        )
    return renditions
