"""Chapters of a video lesson, typed by the instructor one per line as `mm:ss Title` (or
`h:mm:ss Title`), stored as start seconds and a title, shown to viewers as markers and a
list. Titles are text: the player never renders them as HTML."""

from __future__ import annotations

import re

from pydantic import BaseModel

MAX_CHAPTERS = 100
MAX_TITLE = 120
_LINE = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)\s+(\S.*)$")


class Chapter(BaseModel):
    start: float  # seconds from the beginning of the video
    title: str


class ChapterError(ValueError):
    """The chapters text cannot be used; the message names the line and what is wrong."""


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
            raise ChapterError(f"Line {number}: write a time and a title, like “1:30 Setup”.")
        hours, minutes, seconds, title = match.groups()
        if hours is not None and int(minutes) > 59:
            raise ChapterError(f"Line {number}: minutes must be below 60 in h:mm:ss.")
        start = float(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
        title = title.strip()
        if len(title) > MAX_TITLE:
            raise ChapterError(f"Line {number}: a title has at most {MAX_TITLE} characters.")
        if chapters and start <= chapters[-1].start:
            raise ChapterError(
                f"Line {number}: {_clock(start)} does not come after {_clock(chapters[-1].start)}."
            )
        if duration is not None and start >= duration:
            raise ChapterError(
                f"Line {number}: {_clock(start)} is past the end of the video ({_clock(duration)})."
            )
        chapters.append(Chapter(start=start, title=title))
        if len(chapters) > MAX_CHAPTERS:
            raise ChapterError(f"A lesson has at most {MAX_CHAPTERS} chapters.")
    return chapters


def as_text(chapters: list[Chapter]) -> str:
    """The instructor's form of CHAPTERS, as `parse` reads it."""
    return "\n".join(f"{_clock(c.start)} {c.title}" for c in chapters)
