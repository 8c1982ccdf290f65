"""Chapters of a video lesson, typed by the instructor one per line as `mm:ss Title` (or
`h:mm:ss Title`), stored as start seconds and a title, shown to viewers as markers and a
list. Titles are text: the player never renders them as HTML."""

from __future__ import annotations

import re

from pydantic import BaseModel

from coursevault.i18n import Msg, msg

MAX_CHAPTERS = 100
MAX_TITLE = 120
_LINE = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)\s+(\S.*)$")


class Chapter(BaseModel):
    start: float  # seconds from the beginning of the video
    title: str


class ChapterError(ValueError):
    """The chapters text cannot be used; TEXT names the line and what is wrong."""

    def __init__(self, text: Msg) -> None:
        super().__init__(str(text))
        self.text = text


def _clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse(text: str, duration: float | None) -> list[Chapter]:
    """Returns the chapters in TEXT (blank lines ignored), or raises ChapterError."""
    chapters: list[Chapter] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise ChapterError(
                msg("Line {number}: write a time and a title, like “1:30 Setup”.", number=number)
            )
        hours, minutes, seconds, title = match.groups()
        if hours is not None and int(minutes) > 59:
            raise ChapterError(
                msg("Line {number}: minutes must be below 60 in h:mm:ss.", number=number)
            )
        start = float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
        title = title.strip()
        if len(title) > MAX_TITLE:
            raise ChapterError(
                msg(
                    "Line {number}: a title has at most {limit} characters.",
                    number=number,
                    limit=MAX_TITLE,
                )
            )
        if chapters and start <= chapters[-1].start:
            raise ChapterError(
                msg(
                    "Line {number}: {start} does not come after {previous}.",
                    number=number,
                    start=_clock(start),
                    previous=_clock(chapters[-1].start),
                )
            )
        if duration is not None and start >= duration:
            raise ChapterError(
                msg(
                    "Line {number}: {start} is past the end of the video ({end}).",
                    number=number,
                    start=_clock(start),
                    end=_clock(duration),
                )
            )
        chapters.append(Chapter(start=start, title=title))
        if len(chapters) > MAX_CHAPTERS:
            raise ChapterError(msg("A lesson has at most {limit} chapters.", limit=MAX_CHAPTERS))
    return chapters


def as_text(chapters: list[Chapter]) -> str:
    """The instructor's form of CHAPTERS, as `parse` reads it."""
    return "\n".join(f"{_clock(c.start)} {c.title}" for c in chapters)
