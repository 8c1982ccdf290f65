"""What a viewer watched, inferred from the heartbeats a session already sends.

A session keeps a trail of (seconds since it started, position) points: its starting
position, then one per heartbeat. Between two points the viewer played the stretch from
the first position onwards when it moved forward by at most what can be played between
two regular heartbeats at the fastest speed; a bigger jump or a move back was a seek, and
only what is played after it counts. A forward move counts only as far as the wall-clock
time between the two points allows at that speed (L2): heartbeats sent faster than the
video can play draw (almost) nothing. Played seconds are summed per 10-second bucket; a
session watched a bucket once it played half of it, and passes over it are its played
seconds in bucket lengths, rounded.

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
# A regular interval at the fastest speed, plus slack for a late heartbeat: moving further
# between two points means the viewer seeked.
SEEK_SLACK = 1.25

Point = tuple[float, float]  # (seconds since the session started, position)
Stretch = tuple[float, float]  # (from, to) positions played


@dataclass(frozen=True)
class Flush:
    """What one flush adds to a lesson's totals."""

    new_view: bool  # the session watched its first bucket in this flush
    reached: frozenset[int]  # buckets this session watched for the first time
    plays: Counter[int]  # passes over each bucket added by this flush, replays included


def _window(point: Point) -> int:
    return int(point[0] // WINDOW_SECONDS)


def flush_points(trail: list[Point]) -> list[int]:
    """Indexes of the points at which a flush happened (each entered a new window)."""
    return [i for i in range(1, len(trail)) if _window(trail[i]) != _window(trail[i - 1])]


def played(before: Point, after: Point, heartbeat_seconds: float) -> Stretch | None:
    """The stretch played between two points of a trail, or None (paused, or a seek).

    L2: the playhead may have moved further than the time between the points allows (a
    seek, or a forged heartbeat); only MAX_SPEED × that time counts."""
    moved = after[1] - before[1]
    if not 0 < moved <= heartbeat_seconds * MAX_SPEED * SEEK_SLACK:
        return None
    allowed = MAX_SPEED * (after[0] - before[0])
    if allowed <= 0:
        return None
    return before[1], before[1] + min(moved, allowed)


def stretches(trail: list[Point], heartbeat_seconds: float) -> list[Stretch | None]:
    """For each point after the first: the stretch played since the previous point, or
    None (paused, or a seek)."""
    return [played(a, b, heartbeat_seconds) for a, b in itertools.pairwise(trail)]


def _seconds(found: list[Stretch | None]) -> dict[int, float]:
    """Seconds played in each bucket."""
    per_bucket: dict[int, float] = {}
    for stretch in found:
        if stretch is None:
            continue
        start, end = stretch
        for b in range(int(start // BUCKET_SECONDS), math.ceil(end / BUCKET_SECONDS)):
            lo, hi = max(start, b * BUCKET_SECONDS), min(end, (b + 1) * BUCKET_SECONDS)
            per_bucket[b] = per_bucket.get(b, 0.0) + max(0.0, hi - lo)
    return per_bucket


def _passes(per_bucket: dict[int, float], duration: float | None) -> dict[int, int]:
    """Passes over each bucket: seconds played in bucket lengths, rounded (half a bucket
    is one pass); the last bucket of a video is as long as what is left of it."""
    found = {}
    for b, seconds in per_bucket.items():
        length = float(BUCKET_SECONDS)
        if duration:
            length = min(length, duration - b * BUCKET_SECONDS)
        passes = math.floor(seconds / length + 0.5) if length > 0 else 0
        if passes:
            found[b] = passes
    return found


def flush(
    trail: list[Point], upto: int, heartbeat_seconds: float, duration: float | None = None
) -> Flush:
    """What the points after the previous flush point (up to index UPTO) add."""
    points = flush_points(trail[: upto + 1])
    since = max((p for p in points if p < upto), default=0)
    found = stretches(trail[: upto + 1], heartbeat_seconds)
    before = _passes(_seconds(found[:since]), duration)
    after = _passes(_seconds(found[:upto]), duration)
    plays = Counter({b: n - before.get(b, 0) for b, n in after.items() if n > before.get(b, 0)})
    reached = frozenset(after) - frozenset(before)
    return Flush(new_view=not before and bool(after), reached=reached, plays=plays)


def due(trail: list[Point]) -> bool:
    """Whether the newest point of TRAIL enters a new window (and so flushes)."""
    return len(trail) >= 2 and _window(trail[-1]) != _window(trail[-2])
