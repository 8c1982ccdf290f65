"""The only code that touches `captions` (one document per video and language) and
`caption_changes` (each track's version, and a counter every change of a track raises)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, ReturnDocument

from coursevault import clock
from coursevault.captions.models import CaptionTrack
from coursevault.captions.parse import Cue
from coursevault.database.db import Database, Document, pair_id
from coursevault.ttl_cache import TtlCache

SUMMARY = {"cues": False}
CHANGES_ID = "all"


async def change_stamp(*, db: Database) -> int:
    """How many times any track changed: a search index compares it before it compares
    the versions of a course's tracks."""
    doc = await db.caption_changes.find_one({"_id": CHANGES_ID})
    return int(doc["n"]) if doc else 0


async def _changed(db: Database, video_id: str, language: str, at: datetime | None) -> None:
    """Records a track's new version (AT; None: deleted) and raises the change counter.
    The versions live apart from the cues so that comparing a course's 1,000 tracks reads
    1,000 small documents, not every cue (5 s on the embedded database)."""
    key = pair_id(video_id, language)
    if at is None:
        await db.caption_changes.delete_one({"_id": key})
    else:
        version = {"video_id": video_id, "language": language, "updated_at": at}
        await db.caption_changes.replace_one({"_id": key}, version, upsert=True)
    await db.caption_changes.update_one({"_id": CHANGES_ID}, {"$inc": {"n": 1}}, upsert=True)


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.captions.create_index([("video_id", ASCENDING), ("language", ASCENDING)])
    await db.caption_changes.create_index("video_id")
    await _backfill_versions(db)


async def _backfill_versions(db: Database) -> None:
    """Records the version of tracks stored before versions were kept (once: afterwards
    every track has one and the two counts match)."""
    tracks = await db.captions.count_documents({})
    if tracks == await db.caption_changes.count_documents({"video_id": {"$exists": True}}):
        return
    fields = {"video_id": 1, "language": 1, "updated_at": 1}
    async for doc in db.captions.find({}, fields):
        version = {k: doc[k] for k in ("video_id", "language", "updated_at")}
        await db.caption_changes.update_one(
            {"_id": doc["_id"]}, {"$setOnInsert": version}, upsert=True
        )


def _track(doc: Document) -> CaptionTrack:
    return CaptionTrack.model_validate({"cues": [], **doc})


# Delivery asks for a video's tracks on every master playlist and caption file; a change
# made on another node reaches viewers within the max_age the caller passes. (The cues
# themselves are not kept: delivery keeps the WebVTT it renders from them.)
_lists: TtlCache[str, list[tuple[CaptionTrack, int]]] = TtlCache("captions.tracks")


async def save(
    *,
    db: Database,
    video_id: str,
    language: str,
    label: str,
    cues: list[Cue],
    automatic: bool = False,
) -> CaptionTrack:
    """Stores (or replaces) VIDEO_ID's track in LANGUAGE."""
    now = clock.now()
    doc = {
        "_id": pair_id(video_id, language),
        "video_id": video_id,
        "language": language,
        "label": label,
        "cues": [{"start": c.start, "end": c.end, "text": c.text} for c in cues],
        "cue_count": len(cues),
        "automatic": automatic,
        "updated_at": now,
    }
    await db.captions.replace_one({"_id": doc["_id"]}, doc, upsert=True)
    _lists.forget(video_id)
    await _changed(db, video_id, language, now)
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


async def approve(*, db: Database, video_id: str, language: str, label: str) -> CaptionTrack | None:
    """Clears the track's `automatic` mark (the instructor vouches for it) and sets LABEL."""
    now = clock.now()
    doc = await db.captions.find_one_and_update(
        {"_id": pair_id(video_id, language)},
        {"$set": {"automatic": False, "label": label, "updated_at": now}},
        projection=SUMMARY,
        return_document=ReturnDocument.AFTER,
    )
    _lists.forget(video_id)
    if doc:
        await _changed(db, video_id, language, now)
    return _track(doc) if doc else None


# mongoeco refuses an `$in` of 1,000 values (its expression tree is limited to depth 1,000).
IN_BATCH = 200


async def versions(*, db: Database, video_ids: list[str]) -> dict[tuple[str, str], str]:
    """When each track of VIDEO_IDS last changed, by (video, language), as ISO text (tracks
    stored before versions were kept are not listed: saving them again lists them)."""
    found: dict[tuple[str, str], str] = {}
    for at in range(0, len(video_ids), IN_BATCH):
        batch = video_ids[at : at + IN_BATCH]
        async for d in db.caption_changes.find({"video_id": {"$in": batch}}):
            found[(d["video_id"], d["language"])] = d["updated_at"].isoformat()
    return found


async def tracks_by_key(
    *, db: Database, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], CaptionTrack]:
    """The tracks (with their cues) of KEYS, (video, language) pairs, read in batches."""
    found: dict[tuple[str, str], CaptionTrack] = {}
    ids = [pair_id(video_id, language) for video_id, language in keys]
    for at in range(0, len(ids), IN_BATCH):
        async for doc in db.captions.find({"_id": {"$in": ids[at : at + IN_BATCH]}}):
            track = _track(doc)
            found[(track.video_id, track.language)] = track
    return found


async def delete(*, db: Database, video_id: str, language: str) -> bool:
    result = await db.captions.delete_one({"_id": pair_id(video_id, language)})
    _lists.forget(video_id)
    await _changed(db, video_id, language, None)
    return result.deleted_count == 1


async def delete_all(*, db: Database, video_id: str) -> None:
    await db.captions.delete_many({"video_id": video_id})
    _lists.forget(video_id)
    async for doc in db.caption_changes.find({"video_id": video_id}, {"language": 1}):
        await _changed(db, video_id, doc["language"], None)


def cues_of(track: CaptionTrack) -> list[Cue]:
    return [Cue(start=c.start, end=c.end, text=c.text) for c in track.cues]
