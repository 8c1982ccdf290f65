"""The only code that touches `videos`, `video_keys` and `upload_usage`."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document, set_if, upsert
from coursevault.media.models import StoredKey, Upload, UploadUsage, Video, VideoStatus
from coursevault.ttl_cache import TtlCache


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.videos.create_index("owner_id")
    await db.videos.create_index("status")


def _video(doc: Document) -> Video:
    return Video.model_validate(doc)


async def insert_video(
    *, db: Database, owner_id: str, title: str, forensic_requested: bool = False
) -> Video:
    """Stores a new video awaiting its upload."""
    doc: Document = {
        "_id": str(ObjectId()),
        "owner_id": owner_id,
        "title": title,
        "forensic_requested": forensic_requested,
        "status": VideoStatus.awaiting_upload.value,
        "progress": 0.0,
        "error": None,
        "duration": None,
        "width": None,
        "height": None,
        "renditions": [],
        "original_filename": None,
        "size": None,
        "upload": None,
        "created_at": clock.now(),
        "updated_at": clock.now(),
    }
    await db.videos.insert_one(doc)
    return _video(doc)


# Videos recently read for playback starts; writes in this process forget their entry.
_videos: TtlCache[str, Video] = TtlCache("media.videos")


async def get_video(*, db: Database, video_id: str, max_age: float = 0.0) -> Video | None:
    """Returns the video (as read at most MAX_AGE seconds ago, when > 0)."""

    async def load() -> Video | None:
        doc = await db.videos.find_one({"_id": video_id})
        return _video(doc) if doc else None

    return await _videos.get_or_load(video_id, max_age, load)


async def get_videos(*, db: Database, video_ids: list[str]) -> dict[str, Video]:
    return {doc["_id"]: _video(doc) async for doc in db.videos.find({"_id": {"$in": video_ids}})}


async def list_videos(*, db: Database, owner_id: str) -> list[Video]:
    cursor = db.videos.find({"owner_id": owner_id}).sort("created_at", DESCENDING)
    return [_video(doc) async for doc in cursor]


async def update_video(
    *, db: Database, video_id: str, expect: dict[str, Any] | None = None, **fields: Any
) -> Video | None:
    """Sets FIELDS when the video still matches EXPECT; returns the new video or None."""
    doc = await db.videos.find_one_and_update(
        {"_id": video_id, **(expect or {})},
        {"$set": {**fields, "updated_at": clock.now()}},
        return_document=ReturnDocument.AFTER,
    )
    _videos.forget(video_id)
    return _video(doc) if doc else None


async def request_forensic(*, db: Database, video_id: str) -> bool:
    """Marks a video without forensic variants as wanting them; False if it has them or
    they were already asked for."""
    result = await db.videos.update_one(
        {"_id": video_id, "forensic": None, "forensic_requested": {"$ne": True}},
        {"$set": {"forensic_requested": True, "updated_at": clock.now()}},
    )
    _videos.forget(video_id)
    return result.modified_count == 1


async def issue_forensic_number(*, db: Database, video_id: str) -> int:
    """The next playback number of a watermarked video (1, 2, …), atomically."""
    doc = await db.videos.find_one_and_update(
        {"_id": video_id}, {"$inc": {"forensic_issued": 1}}, return_document=ReturnDocument.AFTER
    )
    if doc is None:
        raise LookupError(video_id)
    return int(doc["forensic_issued"])


async def delete_video(*, db: Database, video_id: str) -> Video | None:
    """Deletes the video and gives its owner back what it held (U7); returns it, or None
    if it was already gone."""
    doc = await db.videos.find_one_and_delete({"_id": video_id})
    await db.video_keys.delete_one({"_id": video_id})
    _keys.forget(video_id)
    _videos.forget(video_id)
    if doc is None:
        return None
    video = _video(doc)
    upload_id = video.upload.id if video.upload else None
    stored = {"$max": [0, {"$subtract": ["$stored", video.size or 0]}]}
    await db.upload_usage.update_one(
        {"_id": video.owner_id}, [{"$set": {"stored": stored}}, *_without_hold(upload_id)]
    )
    return video


async def ready_videos(*, db: Database) -> list[Video]:
    """Every ready video, oldest first."""
    cursor = db.videos.find({"status": VideoStatus.ready.value}).sort("created_at", 1)
    return [_video(doc) async for doc in cursor]


async def expired_uploads(
    *, db: Database, now: datetime, owner_id: str | None = None
) -> list[Video]:
    """Videos (of OWNER_ID, or anyone's) whose unfinished upload expired and that no live
    write lock holds."""
    owner = {"owner_id": owner_id} if owner_id else {}
    query = {"status": VideoStatus.uploading.value, "upload.expires_at": {"$lte": now}}
    return [_video(doc) async for doc in db.videos.find({**owner, **query, **_lock_free(now)})]


def _lock_free(now: datetime) -> Document:
    return {"$or": [{"upload.lock_until": None}, {"upload.lock_until": {"$lte": now}}]}


async def lock_upload(
    *,
    db: Database,
    video_id: str,
    upload_id: str,
    lock_id: str,
    whole: bool,
    until: datetime,
    expires_at: datetime,
    now: datetime,
) -> Upload | None:
    """Takes the upload's write lock as LOCK_ID until UNTIL (extending its expiry to
    EXPIRES_AT); returns the upload as it was before, or None if a live lock holds it."""
    doc = await db.videos.find_one_and_update(
        {"_id": video_id, "upload.id": upload_id, **_lock_free(now)},
        {
            "$set": {
                "upload.lock_id": lock_id,
                "upload.lock_until": until,
                "upload.lock_whole": whole,
                "upload.expires_at": expires_at,
            }
        },
        return_document=ReturnDocument.BEFORE,
    )
    _videos.forget(video_id)
    return _video(doc).upload if doc else None


async def renew_upload_lock(
    *,
    db: Database,
    video_id: str,
    upload_id: str,
    lock_id: str,
    until: datetime,
    expires_at: datetime,
) -> bool:
    """Extends LOCK_ID's lease; False if the lock is no longer LOCK_ID's."""
    result = await db.videos.update_one(
        {"_id": video_id, "upload.id": upload_id, "upload.lock_id": lock_id},
        {"$set": {"upload.lock_until": until, "upload.expires_at": expires_at}},
    )
    return result.matched_count == 1


# ---- upload_usage: one document per owner, changed only by single-document updates (U7) ----


async def ensure_usage(*, db: Database, owner_id: str) -> None:
    """Creates OWNER_ID's usage document from their videos, once (older data had none)."""
    if await db.upload_usage.find_one({"_id": owner_id}, {"_id": 1}):
        return
    stored, held = 0, []
    async for doc in db.videos.find({"owner_id": owner_id}, {"size": 1, "upload": 1}):
        upload = doc.get("upload")
        if upload:
            hold = {"upload": upload["id"], "bytes": upload["length"], "at": clock.now()}
            held.append({"video": doc["_id"], **hold})
        else:
            stored += doc.get("size") or 0
    with contextlib.suppress(DuplicateKeyError):  # another request made it, from the same videos
        await db.upload_usage.insert_one({"_id": owner_id, "stored": stored, "held": held})


async def reserve_upload(
    *,
    db: Database,
    owner_id: str,
    video_id: str,
    upload_id: str,
    length: int,
    max_uploads: int,
    quota: int,
) -> UploadUsage:
    """Adds a hold of LENGTH bytes for the upload UPLOAD_ID of VIDEO_ID if OWNER_ID stays
    within MAX_UPLOADS unfinished uploads and QUOTA bytes, in one atomic update. Holds of
    the same video do not count against it (a restarted upload replaces its own). Returns
    the usage afterwards; the hold is in it only if it fit."""
    others = {"$filter": {"input": "$held", "cond": {"$ne": ["$$this.video", video_id]}}}
    held_bytes = {"$sum": {"$map": {"input": "$$others", "in": "$$this.bytes"}}}
    fits = {
        "$let": {
            "vars": {"others": others},
            "in": {
                "$and": [
                    {"$lte": [{"$add": ["$stored", held_bytes, length]}, quota]},
                    {"$lt": [{"$size": "$$others"}, max_uploads]},
                ]
            },
        }
    }
    hold = {"video": video_id, "upload": upload_id, "bytes": length, "at": clock.now()}
    grown = {"$concatArrays": ["$held", [{"$literal": hold}]]}
    doc = await db.upload_usage.find_one_and_update(
        {"_id": owner_id},
        [{"$set": {"held": {"$cond": [fits, grown, "$held"]}}}],
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None  # ensure_usage made it; nothing deletes it
    return UploadUsage.model_validate(doc)


def _without_hold(upload_id: str | None) -> list[Document]:
    keep = {"$ne": ["$$this.upload", upload_id]}
    return [{"$set": {"held": {"$filter": {"input": "$held", "cond": keep}}}}]


async def release_hold(*, db: Database, owner_id: str, upload_id: str) -> None:
    """Drops the hold of UPLOAD_ID (terminated, expired or never started)."""
    await db.upload_usage.update_one({"_id": owner_id}, _without_hold(upload_id))


async def store_hold(*, db: Database, owner_id: str, upload_id: str) -> None:
    """Turns the hold of the finished upload UPLOAD_ID into stored bytes: its slot is free,
    its bytes still count against the quota."""
    mine = {"$filter": {"input": "$held", "cond": {"$eq": ["$$this.upload", upload_id]}}}
    stored = {"$add": ["$stored", {"$sum": {"$map": {"input": mine, "in": "$$this.bytes"}}}]}
    await db.upload_usage.update_one(
        {"_id": owner_id}, [{"$set": {"stored": stored}}, *_without_hold(upload_id)]
    )


async def add_stored(*, db: Database, owner_id: str, size: int) -> None:
    """Counts an original that arrived without an upload (bulk import)."""
    await db.upload_usage.update_one({"_id": owner_id}, {"$inc": {"stored": size}})


async def release_stale_holds(*, db: Database, before: datetime) -> int:
    """Drops holds taken before BEFORE whose video does not hold their upload (a creation
    that died half-way); returns how many."""
    released = 0
    async for doc in db.upload_usage.find({"held.at": {"$lt": before}}):
        for hold in UploadUsage.model_validate(doc).held:
            query = {"_id": hold.video, "upload.id": hold.upload}
            if hold.at < before and await db.videos.find_one(query, {"_id": 1}) is None:
                await release_hold(db=db, owner_id=doc["_id"], upload_id=hold.upload)
                released += 1
    return released


# Key material recently read, for the key endpoint (the hot path): reused for at most the
# caller's MAX_AGE; writes in this process forget their entry at once.
_keys: TtlCache[str, StoredKey] = TtlCache("media.keys")


async def start_work(
    *, db: Database, video_id: str, expect: dict[str, Any], **fields: Any
) -> Video | None:
    """Sets FIELDS and takes the video's next fence when it still matches EXPECT."""
    doc = await db.videos.find_one_and_update(
        {"_id": video_id, **expect},
        {"$set": {**fields, "updated_at": clock.now()}, "$inc": {"fence": 1}},
        return_document=ReturnDocument.AFTER,
    )
    _videos.forget(video_id)
    return _video(doc) if doc else None


async def save_key(*, db: Database, video_id: str, stored: StoredKey, fence: int = 0) -> None:
    """Stores a video's key material unless a holder of a later FENCE already did."""
    values = {**stored.model_dump(), "fence": fence, "created_at": clock.now()}
    stale = {"$lte": [{"$ifNull": ["$fence", -1]}, fence]}
    await upsert(db.video_keys, {"_id": video_id}, set_if(stale, values))
    _keys.forget(video_id)


async def get_key(*, db: Database, video_id: str, max_age: float = 0.0) -> StoredKey | None:
    """Returns a video's key material (read at most MAX_AGE seconds ago, when > 0)."""

    async def load() -> StoredKey | None:
        doc = await db.video_keys.find_one({"_id": video_id})
        return StoredKey.model_validate(doc) if doc else None

    return await _keys.get_or_load(video_id, max_age, load)
