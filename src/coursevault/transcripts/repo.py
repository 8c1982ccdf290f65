"""The only code that touches `transcriptions` (one document per video)."""

from __future__ import annotations

from typing import Any

from coursevault import clock
from coursevault.database.db import Database
from coursevault.transcripts.models import Transcription


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`): `_id` only."""


async def get(*, db: Database, video_id: str) -> Transcription | None:
    doc = await db.transcriptions.find_one({"_id": video_id})
    return Transcription.model_validate(doc) if doc else None


async def record(*, db: Database, video_id: str, **fields: Any) -> None:
    """Sets FIELDS of VIDEO_ID's transcription, creating it when missing."""
    await db.transcriptions.update_one(
        {"_id": video_id}, {"$set": {**fields, "updated_at": clock.now()}}, upsert=True
    )


async def record_progress(*, db: Database, video_id: str, job_id: str, progress: float) -> None:
    """Sets the progress of the run JOB_ID, as long as it is still the running one."""
    await db.transcriptions.update_one(
        {"_id": video_id, "job_id": job_id, "state": "running"},
        {"$set": {"progress": progress, "updated_at": clock.now()}},
    )
