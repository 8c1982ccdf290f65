"""The answer of a trace, as the admin page shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class TracedSegment(BaseModel):
    index: int
    variant: str  # "A" or "B"
    statistic: float


class TracedSession(BaseModel):
    number: int
    session_id: str
    account: str | None
    device: str
    ip: str
    started_at: datetime


class TraceRead(BaseModel):
    video_id: str
    issued: int  # playback numbers given out for the video (one per account since F6)
    aligned: bool
    correlation: float | None
    segments: list[TracedSegment]
    found: bool
    reason: str
    agreeing: int  # confident segments that follow the named (or best) codeword
    confident: int
    chance: float | None  # bound on the probability of an accidental match
    session: TracedSession | None  # the first of SESSIONS
    # Every session of the named account for this video: they share one number (F6), so
    # the copy may come from any of them, or from several mixed.
    sessions: list[TracedSession]
    # The copy comes from an unmarked stream (F8): the plain ladder or the all-A playlist.
    # Then UNMARKED_SESSIONS are this video's sessions recorded as served unmarked (F7,
    # number 0), oldest first, started between WINDOW_START and WINDOW_END.
    unmarked: bool
    strength: float | None  # median |score| of the scored segments (~1 when marked)
    window_start: datetime | None
    window_end: datetime | None
    unmarked_sessions: list[TracedSession]
    report: list[str]  # the same lines `coursevault trace` prints
