"""What a viewer watched, inferred from the heartbeats a session already sends.

A session keeps a trail of (seconds since it started, position) points: its starting
position, then one per heartbeat. Between two points the viewer played the stretch from
the first position to the second when it moved forward by at most what can be played
between two regular heartbeats at the fastest speed; a bigger jump or a move back was a
seek, and only what is played after it counts. Stretches become 10-second buckets.

Flushing is decided by the trail alone, so no extra field has to be written to know what
was already counted: a point that enters a new 30-second window (counted from the
session's start) flushes every stretch ending after the previous such point.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass

BUCKET_SECONDS = 10
WINDOW_SECONDS = 30  # at most one engagement write per session per window
MAX_TRAIL = 4_000  # points kept per session (over 60 hours of regular heartbeats)
MAX_SPEED = 2.0  # the player's fastest playback rate

Point = tuple[float, float]  # (seconds since the session started, position)


@dataclass(frozen=True)
class Flush:
    """What one flush adds to a lesson's totals."""

    new_view: bool  # the session watched its first bucket in this flush
    reached: frozenset[int]  # buckets this session watched for the first time
    plays: Counter[int]  # every pass over each bucket, replays included


def _window(point: Point) -> int:
    return int(point[0] // WINDOW_SECONDS)


def flush_points(trail: list[Point]) -> list[int]:
    """Indexes of the points at which a flush happened (each entered a new window)."""
    return [i for i in range(1, len(trail)) if _window(trail[i]) != _window(trail[i - 1])]


def buckets(start: float, end: float) -> range:
    """The buckets a stretch of playback from START to END covers."""
    if end <= start:
        return range(0)
    return range(int(start // BUCKET_SECONDS), math.ceil(end / BUCKET_SECONDS))


def stretches(trail: list[Point], heartbeat_seconds: float) -> list[tuple[float, float] | None]:
    """For each point after the first: the stretch played since the previous point, or
    None (paused, or a seek)."""
    longest = heartbeat_seconds * MAX_SPEED * 1.25
    found: list[tuple[float, float] | None] = []
    for (_, before), (_, after) in itertools.pairwise(trail):
        played = 0 < after - before <= longest
        found.append((before, after) if played else None)
    return found


def flush(trail: list[Point], upto: int, heartbeat_seconds: float) -> Flush:
    """What the points after the previous flush point (up to index UPTO) add."""
    points = flush_points(trail[: upto + 1])
    since = max((p for p in points if p < upto), default=0)
    played = stretches(trail[: upto + 1], heartbeat_seconds)
    seen: set[int] = set()
    for stretch in played[:since]:
        if stretch is not None:
            seen.update(buckets(*stretch))
    plays: Counter[int] = Counter()
    for stretch in played[since:upto]:
        if stretch is not None:
            plays.update(buckets(*stretch))
    reached = frozenset(plays) - seen
    return Flush(new_view=not seen and bool(plays), reached=reached, plays=plays)


def due(trail: list[Point]) -> bool:
    """Whether the newest point of TRAIL enters a new window (and so flushes)."""
    return len(trail) >= 2 and _window(trail[-1]) != _window(trail[-2])
