"""Searching what was said in a course: the cues of the lessons the viewer may open
(all of them for the course's staff, the released ones for a student, preview lessons for
everyone else), with the matched words as offsets the web app highlights."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from coursevault.auth.models import User
from coursevault.captions import service as captions
from coursevault.config import Settings
from coursevault.courses import drip
from coursevault.courses import service as courses
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import Standing
from coursevault.transcripts.index import CaptionIndex, match_expression
from coursevault.transcripts.models import CaptionHitRead, CaptionSearchPage
from coursevault.ttl_cache import TtlCache

# Per process: the captions change stamp each (index, course, videos) was last brought up to
# date at. Reading the stamp is one read by `_id`; comparing every track's version reads
# the whole course's tracks (0.8 s for 1,000 lessons), so it is done only after a change.
_synced: TtlCache[tuple[str, str, tuple[str, ...]], int] = TtlCache(
    "transcripts.index_synced", max_items=10_000
)
SYNCED_SECONDS = 24 * 3600.0
# The change counter is read at most once a second per process: a search then costs no
# database read at all (it kept p99 under 50 ms on a busy two-core machine).
STAMP_SECONDS = 1.0
_stamps: TtlCache[str, int] = TtlCache("transcripts.change_stamp", max_items=100)
REINDEX_BATCH = 50  # tracks read (with their cues) at once when re-indexing
# Background refreshes under way, by key; a refresh keeps a reference to its own task.
_refreshing: dict[tuple[str, str, tuple[str, ...]], asyncio.Task[None]] = {}
_indexes: dict[str, CaptionIndex] = {}


@dataclass(frozen=True)
class Openable:
    lesson_id: str
    title: str
    section_title: str
    video_id: str


def index_of(settings: Settings) -> CaptionIndex:
    key = str(settings.data_dir)
    if key not in _indexes:
        _indexes[key] = CaptionIndex(settings.data_dir)
    return _indexes[key]


async def openable_lessons(
    *, db: Database, course: Document, viewer: User | None
) -> list[Openable]:
    """The course's video lessons VIEWER may open, in outline order."""
    staff = courses.can_edit(viewer, course)
    standing = None
    if viewer is not None and not staff:
        standing = await enrollments.standing(
            db=db, user_id=viewer.id, course_id=course["_id"], published=courses.on_sale(course)
        )
    return [
        Openable(lesson["id"], lesson["title"], section["title"], lesson["video_id"])
        for section in course["sections"]
        for lesson in section["lessons"]
        if lesson.get("video_id") and (staff or _may_open(section, lesson, standing))
    ]


def _may_open(section: dict[str, Any], lesson: dict[str, Any], standing: Standing | None) -> bool:
    if standing is None:
        return bool(lesson.get("preview"))
    held = drip.held_until(section, lesson, enrolled_at=standing.since, unlocked=standing.unlocked)
    return held is None


async def search(
    *,
    db: Database,
    settings: Settings,
    course: Document,
    viewer: User | None,
    query: str,
    language: str | None,
    limit: int,
) -> CaptionSearchPage:
    """The best LIMIT cues matching QUERY in the lessons VIEWER may open."""
    expression = match_expression(query)
    lessons = await openable_lessons(db=db, course=course, viewer=viewer)
    if expression is None or not lessons:
        return CaptionSearchPage(query=query, items=[])
    by_video: dict[str, list[Openable]] = {}
    for lesson in lessons:
        by_video.setdefault(lesson.video_id, []).append(lesson)
    index = index_of(settings)
    await bring_up_to_date(db=db, index=index, course_id=course["_id"], video_ids=sorted(by_video))
    found = await asyncio.to_thread(index.search, expression, list(by_video), language, limit)
    items = [
        CaptionHitRead(
            lesson_id=lesson.lesson_id,
            lesson_title=lesson.title,
            section_title=lesson.section_title,
            language=match.language,
            start=match.start,
            end=match.end,
            text=match.text,
            highlights=match.spans,
        )
        for match in found
        for lesson in by_video[match.video_id]
    ]
    return CaptionSearchPage(query=query, items=items[:limit])


async def bring_up_to_date(
    *, db: Database, index: CaptionIndex, course_id: str, video_ids: list[str]
) -> None:
    """Makes the index hold the tracks of VIDEO_IDS. The first time this process sees them
    it waits for that; afterwards, when any track changed (the captions change counter),
    it compares versions and re-indexes in the background while searches go on with what
    the index holds (comparing 1,000 tracks takes most of a second)."""
    key = (str(index.path), course_id, tuple(video_ids))
    read = await _stamps.get_or_load(
        str(index.path), STAMP_SECONDS, lambda: captions.change_stamp(db=db)
    )
    stamp = read or 0
    synced = _synced.get(key, SYNCED_SECONDS)
    if synced == stamp:
        return
    if synced is None:
        await _sync(db=db, index=index, key=key, stamp=stamp)
    elif key not in _refreshing:
        task = asyncio.create_task(_sync(db=db, index=index, key=key, stamp=stamp))
        _refreshing[key] = task
        task.add_done_callback(lambda _: _refreshing.pop(key, None))


async def _sync(
    *, db: Database, index: CaptionIndex, key: tuple[str, str, tuple[str, ...]], stamp: int
) -> None:
    """Re-indexes the tracks whose version changed and drops deleted ones."""
    video_ids = list(key[2])
    wanted = await captions.versions(db=db, video_ids=video_ids)
    have = await asyncio.to_thread(index.versions, video_ids)
    stale = [track for track, version in wanted.items() if have.get(track) != version]
    for at in range(0, len(stale), REINDEX_BATCH):
        found = await captions.cues_by_track(db=db, keys=stale[at : at + REINDEX_BATCH])
        for (video_id, language), cues in found.items():
            version = wanted[(video_id, language)]
            await asyncio.to_thread(index.replace, video_id, language, version, cues)
    for video_id, language in have.keys() - wanted.keys():
        await asyncio.to_thread(index.drop, video_id, language)
    _synced.put(key, stamp)
