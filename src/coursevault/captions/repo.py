"""The only code that touches `captions` (one document per video and language)."""

from __future__ import annotations

from pymongo import ASCENDING

from coursevault import clock
from coursevault.captions.models import CaptionTrack
from coursevault.captions.parse import Cue
from coursevault.database.db import Database, Document, pair_id
from coursevault.ttl_cache import TtlCache

SUMMARY = {"cues": False}


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.captions.create_index([("video_id", ASCENDING), ("language", ASCENDING)])


def _track(doc: Document) -> CaptionTrack:
    return CaptionTrack.model_validate({"cues": [], **doc})


# Delivery asks for a video's tracks on every master playlist and caption file; a change
# made on another node reaches viewers within the max_age the caller passes. (The cues
# themselves are not kept: delivery keeps the WebVTT it renders from them.)
_lists: TtlCache[str, list[tuple[CaptionTrack, int]]] = TtlCache("captions.tracks")


async def save(
    *, db: Database, video_id: str, language: str, label: str, cues: list[Cue]
) -> CaptionTrack:
    """Stores (or replaces) VIDEO_ID's track in LANGUAGE."""
    doc = {
        "_id": pair_id(video_id, language),
        "video_id": video_id,
        "language": language,
        "label": label,
        "cues": [{"start": c.start, "end": c.end, "text": c.text} for c in cues],
        "cue_count": len(cues),
        "updated_at": clock.now(),
    }
    await db.captions.replace_one({"_id": doc["_id"]}, doc, upsert=True)
    _lists.forget(video_id)
    return _track(doc)


async def tracks(
    *, db: Database, video_id: str, max_age: float = 0.0
) -> list[tuple[CaptionTrack, int]]:
    """VIDEO_ID's tracks without their cues, each with its cue count, by language."""

    async def load() -> list[tuple[CaptionTrack, int]]:
        cursor = db.captions.find({"video_id": video_id}, SUMMARY).sort("language", ASCENDING)
        return [(_track(doc), int(doc.get("cue_count", 0))) async for doc in cursor]

    return await _lists.get_or_load(video_id, max_age, load) or []


async def track(*, db: Database, video_id: str, language: str) -> CaptionTrack | None:
    doc = await db.captions.find_one({"_id": pair_id(video_id, language)})
    return _track(doc) if doc else None


async def delete(*, db: Database, video_id: str, language: str) -> bool:
    result = await db.captions.delete_one({"_id": pair_id(video_id, language)})
    _lists.forget(video_id)
    return result.deleted_count == 1


async def delete_all(*, db: Database, video_id: str) -> None:
    await db.captions.delete_many({"video_id": video_id})
    _lists.forget(video_id)


def cues_of(track: CaptionTrack) -> list[Cue]:
    return [Cue(start=c.start, end=c.end, text=c.text) for c in track.cues]
