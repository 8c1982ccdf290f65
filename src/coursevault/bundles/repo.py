"""The only code that touches `bundles`."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING, ReturnDocument

from coursevault.bundles.models import Bundle
from coursevault.database.db import Database, Document


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.bundles.create_index("instructor_id")
    await db.bundles.create_index("course_ids")


def _bundle(doc: Document | None) -> Bundle | None:
    return Bundle.model_validate(doc) if doc else None


async def insert(*, db: Database, bundle: Bundle) -> None:
    await db.bundles.insert_one(bundle.model_dump(by_alias=True))


async def get(*, db: Database, bundle_id: str) -> Bundle | None:
    return _bundle(await db.bundles.find_one({"_id": bundle_id}))


async def of_instructor(*, db: Database, instructor_id: str | None) -> list[Bundle]:
    """The bundles of INSTRUCTOR_ID (every bundle, with None), newest first."""
    match = {} if instructor_id is None else {"instructor_id": instructor_id}
    cursor = db.bundles.find(match).sort("created_at", DESCENDING)
    return [Bundle.model_validate(doc) async for doc in cursor]


async def published_with_course(*, db: Database, course_id: str) -> list[Bundle]:
    """The published bundles that include COURSE_ID, newest first."""
    cursor = db.bundles.find({"course_ids": course_id, "published": True})
    return [Bundle.model_validate(doc) async for doc in cursor.sort("created_at", DESCENDING)]


async def update(*, db: Database, bundle_id: str, fields: dict[str, Any]) -> Bundle | None:
    return _bundle(
        await db.bundles.find_one_and_update(
            {"_id": bundle_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )
    )


async def delete(*, db: Database, bundle_id: str) -> bool:
    return (await db.bundles.delete_one({"_id": bundle_id})).deleted_count > 0
