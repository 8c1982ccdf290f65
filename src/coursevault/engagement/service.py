"""Counting what sessions watched (from their heartbeats) and reading it back per lesson."""

from __future__ import annotations

import logging
import math

from coursevault.database.db import Database
from coursevault.engagement import curve
from coursevault.engagement import repo as engagement_repo
from coursevault.engagement.models import EngagementPoint, LessonEngagement

log = logging.getLogger(__name__)


async def record(
    *,
    db: Database,
    lesson_id: str,
    course_id: str,
    trail: list[curve.Point],
    heartbeat_seconds: float,
    duration: float | None,
    ended: bool,
) -> None:
    """Counts what a session watched: after a heartbeat, when its point enters a new
    30-second window; when the session ENDED, whatever the last flush left."""
    due = curve.due(trail)
    if due if not ended else (len(trail) >= 2 and not due):
        flushed = curve.flush(trail, len(trail) - 1, heartbeat_seconds, duration)
        await _add(db, lesson_id, course_id, flushed)


def last_played(trail: list[curve.Point], heartbeat_seconds: float) -> curve.Stretch | None:
    """The stretch the newest point of TRAIL adds to what was played (L2), or None."""
    if len(trail) < 2:
        return None
    return curve.played(trail[-2], trail[-1], heartbeat_seconds)


async def _add(db: Database, lesson_id: str, course_id: str, flushed: curve.Flush) -> None:
    try:
        await engagement_repo.add(db=db, lesson_id=lesson_id, course_id=course_id, flushed=flushed)
    except Exception:  # statistics never cost a viewer their heartbeat
        log.exception("engagement of lesson %s not recorded", lesson_id)


async def views(*, db: Database, lesson_ids: list[str]) -> dict[str, int]:
    """Views per lesson of LESSON_IDS (0 for a lesson nobody watched yet)."""
    counted = await engagement_repo.views(db=db, lesson_ids=lesson_ids)
    return {lesson_id: counted.get(lesson_id, 0) for lesson_id in lesson_ids}


async def stopped_early(
    *, db: Database, durations: dict[str, float | None]
) -> dict[str, tuple[int, int]]:
    """Per lesson of DURATIONS (lesson id → its video's length) that has views: its views
    and how many of them stopped before the end (did not watch its last 10-second bucket;
    without a length, the furthest bucket anyone watched)."""
    found = await engagement_repo.reach(db=db, lesson_ids=list(durations))
    result = {}
    for lesson_id, doc in found.items():
        views = int(doc.get("views", 0))
        reach = {int(b): int(n) for b, n in doc.get("reach", {}).items()}
        if not views:
            continue
        duration = durations[lesson_id]
        last = math.ceil(duration / curve.BUCKET_SECONDS) - 1 if duration else max(reach, default=0)
        result[lesson_id] = (views, max(0, views - reach.get(last, 0)))
    return result


async def of_lesson(*, db: Database, lesson_id: str, duration: float | None) -> LessonEngagement:
    doc = await engagement_repo.get(db=db, lesson_id=lesson_id) or {}
    views = int(doc.get("views", 0))
    reach = {int(b): int(n) for b, n in doc.get("reach", {}).items()}
    plays = {int(b): int(n) for b, n in doc.get("plays", {}).items()}
    last = max([*reach, *plays], default=-1)
    if duration:
        last = max(last, math.ceil(duration / curve.BUCKET_SECONDS) - 1)
    points = [
        EngagementPoint(
            start=b * curve.BUCKET_SECONDS,
            viewers=reach.get(b, 0),
            retention=round(reach.get(b, 0) / views, 4) if views else 0.0,
            plays=plays.get(b, 0),
            replays=round(plays.get(b, 0) / reach[b], 4) if reach.get(b) else 0.0,
        )
        for b in range(last + 1)
    ]
    return LessonEngagement(
        lesson_id=lesson_id,
        bucket_seconds=curve.BUCKET_SECONDS,
        duration=duration,
        views=views,
        points=points,
    )
