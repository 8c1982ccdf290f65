"""The only code that touches `certificates`."""

from __future__ import annotations

import secrets

from pymongo import ASCENDING

from coursevault import clock
from coursevault.certificates.models import Certificate
from coursevault.database.db import Database, Document, upsert


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.certificates.create_index(
        [("user_id", ASCENDING), ("course_id", ASCENDING)], unique=True
    )


def _certificate(doc: Document) -> Certificate:
    return Certificate(id=doc["_id"], **{k: v for k, v in doc.items() if k != "_id"})


async def issue(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    student_name: str,
    course_title: str,
    instructor_name: str,
    score: float | None = None,
) -> Certificate:
    """Returns the certificate of USER_ID for COURSE_ID, issuing it the first time (the
    names are kept as they were on that day)."""
    found = await db.certificates.find_one({"user_id": user_id, "course_id": course_id})
    if found is not None:
        return _certificate(found)
    doc = await upsert(
        db.certificates,
        {"user_id": user_id, "course_id": course_id},
        {
            "$setOnInsert": {
                "_id": secrets.token_hex(12),
                "student_name": student_name,
                "course_title": course_title,
                "instructor_name": instructor_name,
                "score": score,
                "issued_at": clock.now(),
            }
        },
    )
    return _certificate(doc)


async def find(*, db: Database, user_id: str, course_id: str) -> Certificate | None:
    """USER_ID's certificate of COURSE_ID, once issued."""
    found = await db.certificates.find_one({"user_id": user_id, "course_id": course_id})
    return _certificate(found) if found else None


async def get(*, db: Database, certificate_id: str) -> Certificate | None:
    doc = await db.certificates.find_one({"_id": certificate_id})
    return _certificate(doc) if doc else None
