"""Automatic captions and caption search: the stored transcription state and the API's views."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TranscriptionState(StrEnum):
    none = "none"  # never asked for
    queued = "queued"
    running = "running"
    done = "done"  # a track was made, or the audio holds no speech (`message` says which)
    skipped = "skipped"  # nothing to transcribe or nowhere to put it; `message` says why
    failed = "failed"  # `message` says why; the video itself is unaffected
    unavailable = "unavailable"  # no usable speech model; `message` tells the operator what to do


class Transcription(BaseModel):
    """A video's automatic captions as stored (`transcriptions`, one per video)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")  # the video id
    state: TranscriptionState
    progress: float = 0.0
    language: str | None = None
    cue_count: int = 0
    message: str | None = None
    model: str | None = None
    job_id: str | None = None
    updated_at: datetime


class TranscriptionRead(BaseModel):
    state: TranscriptionState
    progress: float  # 0..1 while running
    language: str | None  # the track's language once known
    cue_count: int
    message: str | None  # for people: why it was skipped, failed or is unavailable
    model: str | None  # the speech model that made (or is making) the track
    updated_at: datetime | None


class CaptionHitRead(BaseModel):
    """One cue that matched a search: where to start the lesson and what to highlight."""

    lesson_id: str
    lesson_title: str
    section_title: str
    language: str
    start: float  # seconds into the lesson's video: start playback here
    end: float
    text: str  # the cue's plain text (may hold a line break)
    # [start, end) offsets into TEXT of each matched word, in UTF-16 code units as
    # JavaScript strings count them.
    highlights: list[tuple[int, int]]


class CaptionSearchPage(BaseModel):
    query: str
    items: list[CaptionHitRead]
