"""Engagement views: a lesson's retention curve and replay heatmap."""

from __future__ import annotations

from pydantic import BaseModel


class EngagementPoint(BaseModel):
    start: int  # seconds into the video where this bucket starts
    viewers: int  # views that watched some of this bucket
    retention: float  # viewers / views: the share still watching here
    plays: int  # passes over this bucket, replays included
    replays: float  # plays / viewers (1.0: nobody watched it twice)


class LessonEngagement(BaseModel):
    lesson_id: str
    bucket_seconds: int
    duration: float | None
    views: int  # playback sessions that watched at least one bucket
    points: list[EngagementPoint]
