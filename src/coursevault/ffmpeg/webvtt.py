"""WebVTT timestamps, shared by the storyboard track and caption files."""

from __future__ import annotations


def stamp(value: float) -> str:
    """A WebVTT timestamp (hh:mm:ss.ttt) for VALUE seconds."""
    millis = round(value * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
