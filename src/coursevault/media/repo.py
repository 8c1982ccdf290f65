"""The only code that touches `videos` and `video_keys`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING, ReturnDocument

from coursevault import clock
from coursevault.db import Database, Document, set_if, upsert
from coursevault.media.models import StoredKey, Video, VideoStatus
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
_videos: TtlCache[str, Video] = TtlCache()


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


async def delete_video(*, db: Database, video_id: str) -> None:
    await db.videos.delete_one({"_id": video_id})
    await db.video_keys.delete_one({"_id": video_id})
    _keys.forget(video_id)
    _videos.forget(video_id)


async def ready_videos(*, db: Database) -> list[Video]:
    """Every ready video, oldest first."""
    cursor = db.videos.find({"status": VideoStatus.ready.value}).sort("created_at", 1)
    return [_video(doc) async for doc in cursor]


async def bytes_in_use(*, db: Database, owner_id: str) -> int:
    """Returns the bytes of OWNER_ID's stored and in-progress uploads (for the quota)."""
    total = 0
    async for doc in db.videos.find({"owner_id": owner_id}, {"size": 1, "upload": 1}):
        total += doc.get("size") or (doc.get("upload") or {}).get("length", 0)
    return total


async def active_uploads(*, db: Database, owner_id: str, now: datetime) -> int:
    """Returns how many unfinished, unexpired uploads OWNER_ID has."""
    return await db.videos.count_documents(
        {
            "owner_id": owner_id,
            "status": VideoStatus.uploading.value,
            "upload.expires_at": {"$gt": now},
        }
    )


async def expired_uploads(*, db: Database, now: datetime) -> list[Video]:
    return [
        _video(doc)
        async for doc in db.videos.find(
            {"status": VideoStatus.uploading.value, "upload.expires_at": {"$lte": now}}
        )
    ]


async def lock_upload(
    *, db: Database, video_id: str, upload_id: str, until: datetime, now: datetime
) -> bool:
    """Takes the upload's write lock (one PATCH at a time); False if someone holds it."""
    result = await db.videos.update_one(
        {
            "_id": video_id,
            "upload.id": upload_id,
            "$or": [{"upload.lock_until": None}, {"upload.lock_until": {"$lt": now}}],
        },
        {"$set": {"upload.lock_until": until}},
    )
    return result.matched_count == 1


# Key material recently read, for the key endpoint (the hot path): reused for at most the
# caller's MAX_AGE; writes in this process forget their entry at once.
_keys: TtlCache[str, StoredKey] = TtlCache()


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
