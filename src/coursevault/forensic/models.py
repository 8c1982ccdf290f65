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
    issued: int  # marked sessions issued for the video
    aligned: bool
    correlation: float | None
    segments: list[TracedSegment]
    found: bool
    reason: str
    agreeing: int  # confident segments that follow the named (or best) codeword
    confident: int
    chance: float | None  # bound on the probability of an accidental match
    session: TracedSession | None
    report: list[str]  # the same lines `coursevault trace` prints
