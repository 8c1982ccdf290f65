"""The embedded database keeps MongoDB's answers where `embedded_engine` skips mongoeco's
scans: facts about a collection's fields survive writes only while they stay true, and
inserts still refuse a duplicate `_id`, numbers included. Real PyMongo over the socket."""

from __future__ import annotations

import pytest
from bson import Decimal128, Int64
from pymongo.errors import DuplicateKeyError

from coursevault.database.db import Database


async def test_a_query_sees_an_array_written_after_it_learned_there_was_none(db: Database) -> None:
    await db.probe_arrays.insert_many([{"_id": i, "tags": "plain"} for i in range(3)])
    assert await db.probe_arrays.count_documents({"tags": "b"}) == 0  # learns: no arrays
    await db.probe_arrays.insert_one({"_id": "listed", "tags": ["a", "b"]})
    assert [d["_id"] async for d in db.probe_arrays.find({"tags": "b"})] == ["listed"]
    await db.probe_arrays.update_one({"_id": 1}, {"$set": {"tags": ["b"]}})
    assert await db.probe_arrays.count_documents({"tags": "b"}) == 2
    # Nested paths too: an array under a field that was an object.
    await db.probe_arrays.insert_one({"_id": "deep", "meta": {"langs": "en"}})
    assert await db.probe_arrays.count_documents({"meta.langs": "fr"}) == 0
    await db.probe_arrays.update_one({"_id": "deep"}, {"$set": {"meta.langs": ["en", "fr"]}})
    assert await db.probe_arrays.count_documents({"meta.langs": "fr"}) == 1


async def test_a_query_sees_a_decimal_written_after_it_learned_there_was_none(
    db: Database,
) -> None:
    await db.probe_numbers.insert_many([{"_id": i, "price": i * 10} for i in range(3)])
    assert await db.probe_numbers.count_documents({"price": {"$gt": 15}}) == 1
    await db.probe_numbers.insert_one({"_id": "d", "price": Decimal128("15.5")})
    assert await db.probe_numbers.count_documents({"price": {"$gt": 15}}) == 2
    assert await db.probe_numbers.count_documents({"price": 15.5}) == 1


async def test_inserts_still_refuse_a_duplicate_id(db: Database) -> None:
    await db.probe_ids.insert_one({"_id": "same"})
    with pytest.raises(DuplicateKeyError):
        await db.probe_ids.insert_one({"_id": "same"})
    await db.probe_ids.insert_one({"_id": 1})
    for equal in (1.0, Int64(1)):  # one number, stored three ways
        with pytest.raises(DuplicateKeyError):
            await db.probe_ids.insert_one({"_id": equal})
    assert await db.probe_ids.count_documents({}) == 2
