"""Caption tracks: the stored document (`captions`) and the API's views."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# BCP 47 as players use it: a language (en, pt) and an optional script or region
# (zh-Hant, pt-BR, es-419). It is part of playlist and file names, so nothing else fits.
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
MAX_TRACKS = 20


def normalize_language(value: str) -> str | None:
    """`EN-us` → `en-US`; None when VALUE is not a language tag we take."""
    parts = value.strip().split("-")
    if not parts or not parts[0]:
        return None
    fixed = [parts[0].lower()]
    for part in parts[1:]:
        fixed.append(part.title() if len(part) == 4 else part.upper())
    tag = "-".join(fixed)
    return tag if LANGUAGE.fullmatch(tag) else None


def _clean_label(value: str) -> str:
    # It is quoted inside the master playlist: no quotes, commas are fine, no control chars.
    cleaned = "".join(ch for ch in value if ch.isprintable() and ch not in '"\\').strip()
    if not cleaned:
        raise ValueError("the label is empty")
    return cleaned


Label = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_clean_label)]


class CueRead(BaseModel):
    start: float
    end: float
    text: str  # plain text, never markup


class CaptionTrack(BaseModel):
    """A stored caption track (`captions`), one per video and language."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")  # "<video_id>:<language>"
    video_id: str
    language: str
    label: str
    cues: list[CueRead]
    updated_at: datetime
    # Made by speech recognition and neither edited nor approved by the instructor yet.
    automatic: bool = False


class CaptionTrackRead(BaseModel):
    language: str
    label: str
    cue_count: int
    updated_at: datetime
    automatic: bool = False


class CaptionTrackDetail(CaptionTrackRead):
    """A track with its cues, for the instructor's caption editor."""

    cues: list[CueRead]


class CueUpdate(BaseModel):
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str = Field(max_length=2_000)  # plain text; the cue rules are checked by the service


class CaptionCuesUpdate(BaseModel):
    """The edited cues of a track; saving them approves the track (it is no longer automatic)."""

    cues: list[CueUpdate] = Field(max_length=20_000)
    label: Label | None = None


class CaptionTrackPage(BaseModel):
    items: list[CaptionTrackRead]


class CaptionLanguage(BaseModel):
    """A track as the lesson's viewers see it listed."""

    language: str
    label: str
    automatic: bool = False


class Transcript(BaseModel):
    language: str
    label: str
    cues: list[CueRead]
    automatic: bool = False
