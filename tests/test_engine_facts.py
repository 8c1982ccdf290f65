"""`EmbeddedEngine` carries mongoeco's facts about a collection's fields over writes instead of
forgetting them, and finds documents by one indexed field through the index
(database/embedded_engine.py). Differential: it and mongoeco's unpatched
`SQLiteEngine`, in-process, get the same randomised writes and queries and must give
identical answers; and after every operation each fact it still holds must equal what
mongoeco's own probe learns from scratch. Run it on every mongoeco upgrade.

A failure names its seed: `pytest tests/test_engine_facts.py -k seed7` replays it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
from mongoeco import (
    UNDEFINED,
    DBRef,
    Decimal128,
    DeleteMany,
    DeleteOne,
    InsertOne,
    MongoClient,
    ObjectId,
    ReplaceOne,
    UpdateMany,
    UpdateOne,
)
from mongoeco.core.bson_scalars import BsonInt64
from mongoeco.engines.semantic_core import compile_find_semantics
from mongoeco.engines.sqlite import SQLiteEngine

from coursevault.database.embedded_engine import EmbeddedEngine

SEEDS = (7, 8)
OPERATIONS = 70  # per seed; both seeds take about 2 s together

# The oracle's own map from a fact's kind to the mongoeco probe that computes it, and whether
# the key carries an argument after the field (`tagged_type:F:decimal`). Written from
# mongoeco 4.11's engines/sqlite.py, not taken from the module under test.
PROBES: dict[str, tuple[str, bool]] = {
    "top_level_array": ("_field_is_top_level_array_in_collection", False),
    "traverses_array": ("_field_traverses_array_in_collection", False),
    "traverses_dbref": ("_field_traverses_dbref_in_collection", False),
    "contains_real_numeric": ("_field_contains_real_numeric_in_collection", False),
    "contains_non_ascii_text": ("_field_contains_non_ascii_text_in_collection", False),
    "uniform_scalar_sort_type": ("_field_has_uniform_scalar_sort_type_in_collection", False),
    "tagged_type": ("_field_contains_tagged_value_type_in_collection", True),
    "comparison_mismatch": ("_field_has_comparison_type_mismatch_in_collection", True),
    "scalar_or_array_comparison_mismatch": (
        "_field_has_scalar_or_array_element_type_mismatch_in_collection",
        True,
    ),
}
ARGUMENTS = {
    "tagged_type": ("decimal", "decimal128", "decimal128_public", "bytes", "undefined"),
    "comparison_mismatch": ("number", "string", "bool", "datetime"),
    "scalar_or_array_comparison_mismatch": ("number", "string", "bool", "objectid"),
}

PATHS = ["u", "v", "w", "u", "v", "w", "a", "b", "b.c", "b.d", "tags", "tags.0", "arr"]
PATHS += ["arr.x", "arr.0.x", "n", "s", "r.$id", "code", "_id", "_id"]
SET_PATHS = ["u", "v", "w", "a", "b", "b.c", "tags", "arr", "n", "s", "r", "code", "z"]
FIXED_OID = ObjectId("65a000000000000000000001")
GENERATED_OID = re.compile(r"ObjectId\('(?!65a0)[0-9a-f]{24}'\)")


def scalar(rng: random.Random) -> Any:
    makers: list[Callable[[], Any]] = [
        lambda: rng.randint(-3, 3),
        lambda: rng.choice([0.5, 1.0, 2.5, -1.5]),
        lambda: rng.choice(["a", "b", "ab", "B", "é", "Ünï", "日本", ""]),
        lambda: rng.choice([True, False]),
        lambda: None,
        lambda: Decimal128(rng.choice(["1", "1.5", "2.50", "-3"])),
        lambda: decimal.Decimal(rng.choice(["1", "0.5"])),
        lambda: BsonInt64(rng.randint(-2, 2)),
        lambda: rng.choice([b"\x00\x01", b"ab"]),
        lambda: UNDEFINED,
        lambda: FIXED_OID,
        lambda: dt.datetime(2025, 1, rng.randint(1, 3)),
    ]
    return rng.choice(makers)()


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 2 and roll < 0.18:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and roll < 0.30:
        return {k: value(rng, depth + 1) for k in rng.sample(["c", "d", "x"], rng.randint(0, 2))}
    if depth < 1 and roll < 0.33:
        return DBRef("other", rng.randint(1, 3))
    return scalar(rng)


def ident(rng: random.Random, top: int) -> Any:
    """An `_id`: mostly a number (1 and 1.0 are one `_id`), now and then text or an
    ObjectId that `scalar` also draws, so equalities on `_id` find some and miss some."""
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(["a", "b", "ab", "é", "日本"])
    if roll < 0.22:
        return rng.choice([FIXED_OID, ObjectId("65a000000000000000000002")])
    if roll < 0.27:
        return rng.choice([1.0, 2.5])
    return rng.randint(0, top)


def document(rng: random.Random, _id: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"_id": _id, "code": rng.randrange(400)}  # unique in "c"
    for field in ["a", "b", "tags", "arr", "n", "s", "r"]:
        if rng.random() < 0.7:
            doc[field] = value(rng)
    if rng.random() < 0.5:
        doc["n"] = rng.randint(0, 9)
    if rng.random() < 0.5:
        doc["s"] = rng.choice(["x", "y", "xé"])
    # Mostly one scalar type, now and then another: the uniform-type, real-number and
    # non-ASCII facts hold, then stop holding.
    doc["u"] = rng.randint(0, 5) if rng.random() < 0.97 else scalar(rng)
    doc["v"] = rng.choice(["ab", "Ab", "ba", "x"]) if rng.random() < 0.97 else scalar(rng)
    doc["w"] = rng.choice([1, 2, 3, 4.5]) if rng.random() < 0.97 else scalar(rng)
    return doc


def query(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    if depth == 0 and rng.random() < 0.06:
        return {rng.choice(["$or", "$and"]): [query(rng, 1), query(rng, 1)]}
    v = scalar(rng)
    conditions: list[Callable[[], Any]] = [
        lambda: v,
        lambda: v,
        lambda: {"$ne": v},
        lambda: {"$in": [v, scalar(rng)]},
        lambda: {"$nin": [v]},
        lambda: {"$gt": v},
        lambda: {"$gte": v},
        lambda: {"$lt": v},
        lambda: {"$lte": v},
        lambda: {"$exists": rng.choice([True, False])},
        lambda: {"$elemMatch": rng.choice([{"$gt": v}, {"x": v}, {"$eq": v}])},
        lambda: {"$size": rng.randint(0, 2)},
        lambda: {"$regex": rng.choice(["^a", "b", "é"]), "$options": rng.choice(["", "i"])},
        lambda: {"$mod": [2, rng.randint(0, 1)]},
        lambda: {"$type": rng.choice(["array", "decimal", "string", "number", "double"])},
        lambda: {"$not": {"$gt": v}},
    ]
    return {rng.choice(PATHS): rng.choice(conditions)()}


def update(rng: random.Random) -> Any:
    path = rng.choice(SET_PATHS)
    return rng.choice(
        [
            {"$set": {path: value(rng) if rng.random() < 0.4 else rng.randint(0, 5)}},
            {"$unset": {path: ""}},
            {"$inc": {"n": rng.choice([1, 1.5])}},
            {"$push": {"tags": scalar(rng)}},
            [{"$set": {path: {"$literal": value(rng)}}}],  # a pipeline update
        ]
    )


def replacement(rng: random.Random) -> dict[str, Any]:
    doc = document(rng, 0)
    del doc["_id"]
    return doc


def write_request(rng: random.Random) -> Any:
    kind = rng.randrange(6)
    if kind == 0:
        return InsertOne(document(rng, ident(rng, 60)))
    if kind == 1:
        return UpdateOne(query(rng), update(rng))
    if kind == 2:
        return UpdateMany(query(rng), update(rng))
    if kind == 3:
        return DeleteOne(query(rng))
    if kind == 4:
        return DeleteMany(query(rng))
    return ReplaceOne(query(rng), replacement(rng))


def run(client: MongoClient, name: str, op: str, state: int) -> Any:
    """One operation on collection NAME; what it answered, or the type of its error."""
    rng = random.Random(state)
    coll = client["d"][name]
    try:
        match op:
            case "insert_one":
                return coll.insert_one(document(rng, ident(rng, 40))).inserted_id
            case "insert_many":
                docs = [document(rng, ident(rng, 60)) for _ in range(rng.randint(1, 5))]
                return coll.insert_many(docs, ordered=rng.random() < 0.5).inserted_ids
            case "update_one" | "update_many":
                result = getattr(coll, op)(query(rng), update(rng), upsert=rng.random() < 0.2)
                return result.matched_count, result.modified_count, result.upserted_id
            case "replace_one":
                result = coll.replace_one(query(rng), replacement(rng), upsert=rng.random() < 0.3)
                return result.matched_count, result.upserted_id
            case "find_one_and_update":
                return coll.find_one_and_update(query(rng), update(rng), upsert=rng.random() < 0.2)
            case "find_one_and_delete":
                return coll.find_one_and_delete(query(rng))
            case "delete_one" | "delete_many":
                return getattr(coll, op)(query(rng)).deleted_count
            case "bulk_write":
                requests = [write_request(rng) for _ in range(rng.randint(1, 4))]
                result = coll.bulk_write(requests, ordered=rng.random() < 0.5)
                return result.inserted_count, result.modified_count, result.deleted_count
            # Write paths the application seldom takes, which the engine must see all the same.
            case "merge":
                target = rng.choice(["c", "c2"])
                pipeline = [
                    {"$match": query(rng)},
                    {"$set": {rng.choice(SET_PATHS): {"$literal": value(rng)}}},
                    {"$merge": {"into": target, "whenMatched": rng.choice(["merge", "replace"])}},
                ]
                return list(coll.aggregate(pipeline))
            case "rename_and_back":
                coll.rename("elsewhere")
                client["d"]["elsewhere"].rename(name)
            case "aborted_transaction":
                with client.start_session() as session:
                    session.start_transaction()
                    # Rows no fact may learn from: they are undone.
                    unlike_any = {"u": "é", "z": [Decimal128("9.5")]}
                    coll.insert_one({"_id": 1000 + rng.randint(0, 5)} | unlike_any, session=session)
                    coll.update_one(query(rng), {"$set": unlike_any}, session=session)
                    # A text `_id` written in the transaction is found by it, and only by it.
                    text_id = {"_id": f"t{rng.randint(0, 5)}"}
                    coll.insert_one(text_id | unlike_any, session=session)
                    inside = (
                        coll.find_one(text_id, session=session, comment="scan"),
                        coll.update_one(
                            text_id, {"$set": unlike_any}, session=session
                        ).matched_count,
                    )
                    session.abort_transaction()
                    return inside, coll.find_one(text_id, comment="scan")
            case "find":
                q, key = query(rng), rng.choice(["u", "v", "w", "n", "s", "a"])
                direction: Literal[1, -1] = rng.choice([1, -1])
                return (
                    # Without a sort MongoDB promises no order; the engine's order follows
                    # the plan, and an equality on an indexed field takes the index here.
                    sorted(map(shown, coll.find(q))),
                    list(coll.find(q).sort([(key, direction), ("_id", 1)])),
                    list(coll.find(q).sort(key, direction)),  # ties in the plan's order
                    coll.count_documents(q),
                    coll.find_one(q) if "_id" in q else None,  # by `_id`: one at most
                )
            case "by_id":  # found or not, as the application looks documents up
                q = {"_id": rng.choice([ident(rng, 60), "missing", FIXED_OID])}
                shape = {"u": 1} if rng.random() < 0.3 else None
                # find_one in-process tries its own lookup first; a comment sends it down the
                # path the wire's find command takes (a scan with limit 1).
                found = coll.find_one(q, shape), coll.find_one(q, shape, comment="scan")
                changed = coll.find_one_and_update(q, update(rng), upsert=rng.random() < 0.5)
                return found, changed, coll.delete_one(q).deleted_count if rng.random() < 0.2 else 0
            case "distinct":
                return sorted(
                    map(repr, coll.distinct(rng.choice(["a", "n", "s", "u"]), query(rng)))
                )
            case _:
                raise AssertionError(op)
    except Exception as exc:
        return "error", type(exc).__name__
    return None


OPS = ["insert_one"] * 4 + ["insert_many"] * 2 + ["update_one"] * 4 + ["update_many"] * 2
OPS += ["replace_one", "find_one_and_update", "find_one_and_delete", "delete_one"]
OPS += ["delete_many", "bulk_write", "bulk_write", "merge", "rename_and_back"]
OPS += ["aborted_transaction"] + ["find"] * 14 + ["distinct"] * 2 + ["by_id"] * 4


def learn_every_kind(engine: SQLiteEngine, name: str, field: str) -> None:
    """What some query path would learn about FIELD: a few kinds come only from rare ones
    ($mod, case-insensitive regex, sorts)."""
    for kind, (probe, has_argument) in PROBES.items():
        for argument in ARGUMENTS[kind] if has_argument else [None]:
            args = (field,) if argument is None else (field, argument)
            getattr(engine, probe)("d", name, *args)


def assert_held_facts_are_fresh(engine: SQLiteEngine, where: str) -> int:
    """Every fact the engine holds equals what mongoeco's probe learns now, from scratch."""
    facts = engine._collection_features_cache
    for key, held in list(facts.items()):
        db, coll, name = key
        kind, _, rest = name.partition(":")
        assert kind in PROBES, f"mongoeco has a new kind of fact, {name!r}: see embedded_engine"
        probe, has_argument = PROBES[kind]
        del facts[key]
        getattr(engine, probe)(db, coll, *(rest.rsplit(":", 1) if has_argument else (rest,)))
        assert repr(facts.get(key)) == repr(held), (
            f"{where}: {key} held {held!r}, now {facts.get(key)!r}"
        )
    return len(facts)


def shown(answer: Any) -> str:
    # Upserts draw new ObjectIds from one process-wide counter: same order, other values.
    return GENERATED_OID.sub("ObjectId(<new>)", repr(answer))


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{seed}" for seed in SEEDS])
def test_same_answers_as_mongoeco_and_every_held_fact_is_fresh(seed: int, tmp_path: Path) -> None:
    plain = SQLiteEngine(str(tmp_path / "plain.db"))
    kept = EmbeddedEngine(str(tmp_path / "kept.db"))
    clients = MongoClient(engine=plain), MongoClient(engine=kept)
    try:
        for client in clients:
            client["d"]["c"].create_index([("code", 1)], unique=True)  # some writes fail
            for name in ("c", "c2"):  # plain one-field indexes: equality finds use them
                for field in ("u", "s", "a", "tags"):
                    client["d"][name].create_index([(field, 1)])
        rng = random.Random(seed)
        facts_checked = 0
        for step in range(OPERATIONS):
            op, name, state = rng.choice(OPS), rng.choice(["c", "c", "c2"]), rng.getrandbits(64)
            if rng.random() < 0.3:
                field = rng.choice(PATHS)
                for engine in (plain, kept):
                    learn_every_kind(engine, name, field)
            answers = [shown(run(client, name, op, state)) for client in clients]
            where = f"seed {seed}, step {step}, {op} on {name}"
            assert answers[1] == answers[0], where
            facts_checked += assert_held_facts_are_fresh(kept, where)
        assert facts_checked > 0
    finally:
        for client in clients:
            client.close()


# --- What the change is for ------------------------------------------------------------------

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def session(i: int) -> dict[str, Any]:
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return {
        "_id": f"s{i:04d}",
        "owner": f"u{i % 17}",
        "ended": None,
        "lease": start + dt.timedelta(seconds=i),
        "position": 0.0,
    }


def facts_about(engine: SQLiteEngine, db: str, coll: str) -> dict[str, Any]:
    return {k[2]: v for k, v in engine._collection_features_cache.items() if k[:2] == (db, coll)}


def test_a_heartbeat_after_a_write_finds_its_facts_still_known(tmp_path: Path) -> None:
    # The planner looks a fact up here before it scans the collection for it: every fact
    # still held after a write is a scan the next query does not run.
    engine = EmbeddedEngine(str(tmp_path / "db.sqlite"))
    with MongoClient(engine=engine) as client:
        sessions = client["cv"]["sessions"]
        sessions.insert_many([session(i) for i in range(60)])

        def heartbeat(i: int) -> int:
            mine = {"_id": f"s{i:04d}", "owner": f"u{i % 17}", "ended": None}
            result = sessions.update_one(
                mine | {"lease": {"$lt": LATER}}, {"$set": {"lease": LATER}}
            )
            return int(result.matched_count)

        assert heartbeat(3) == 1
        learned = facts_about(engine, "cv", "sessions")
        assert learned["top_level_array:owner"] is False  # what a rescan would prove again

        sessions.update_one({"_id": "s0005"}, {"$set": {"position": 12.5}})
        assert facts_about(engine, "cv", "sessions") == learned  # carried, not forgotten
        assert heartbeat(5) == 1
        assert facts_about(engine, "cv", "sessions") == learned

        # A write that changes a fact changes it in place; queries see the array.
        sessions.update_one({"_id": "s0007"}, {"$set": {"owner": ["u7", "u8"]}})
        assert facts_about(engine, "cv", "sessions")["top_level_array:owner"] is True
        assert [d["_id"] for d in sessions.find({"owner": "u8"}).sort("_id", 1)] == [
            "s0007",
            "s0008",
            "s0025",
            "s0042",
            "s0059",
        ]


def test_a_type_change_of_the_only_document_is_not_taken_for_a_mixed_collection(
    tmp_path: Path,
) -> None:
    # "Every document has type T" turns False when a row of another type comes, but only
    # while a row of type T surely remains: here the update removed the only one.
    engine = EmbeddedEngine(str(tmp_path / "db.sqlite"))
    with MongoClient(engine=engine) as client:
        only = client["d"]["only"]
        only.insert_one({"_id": 1, "u": 5})
        assert (
            engine._field_has_uniform_scalar_sort_type_in_collection("d", "only", "u") == "number"
        )
        only.update_one({"_id": 1}, {"$set": {"u": "five"}})
        held = facts_about(engine, "d", "only").get("uniform_scalar_sort_type:u")
        assert held in (None, "string")  # forgotten, or right; not False
        assert (
            engine._field_has_uniform_scalar_sort_type_in_collection("d", "only", "u") == "string"
        )


def test_a_find_by_one_indexed_field_reads_the_index_not_the_collection(tmp_path: Path) -> None:
    # mongoeco's generic plan for a find of more than one document reads every document of
    # the collection (json_extract per row); a student's grants were 2.9 ms among 2,000.
    engine = EmbeddedEngine(str(tmp_path / "db.sqlite"))
    plain = SQLiteEngine(str(tmp_path / "plain.sqlite"))
    for e in (engine, plain):
        with MongoClient(engine=e) as client:
            grants = client["cv"]["grants"]
            grants.create_index([("user_id", 1)])
            grants.insert_many(
                [{"_id": f"g{i}", "user_id": f"u{i % 50}", "state": "active"} for i in range(200)]
            )
            found = sorted(d["_id"] for d in grants.find({"user_id": "u7"}))
            assert found == ["g107", "g157", "g57", "g7"]
            projected = list(grants.find({"user_id": "u7"}, {"state": 1, "_id": 0}))
            assert projected == [{"state": "active"}] * 4
            grants.update_one({"_id": "g8"}, {"$set": {"user_id": ["u7", "u9"]}})  # an array
            assert len(list(grants.find({"user_id": "u7"}))) == 5  # the plan no longer fits
    sql = {}
    for name, e in (("kept", engine), ("plain", plain)):
        with MongoClient(engine=e) as client:
            client["cv"]["g2"].create_index([("user_id", 1)])
            client["cv"]["g2"].insert_many([{"user_id": f"u{i}"} for i in range(10)])
            assert len(list(client["cv"]["g2"].find({"user_id": "u3"}))) == 1
            plan = e._compile_read_execution_plan(
                "cv", "g2", compile_find_semantics({"user_id": "u3"})
            )
            sql[name] = plan.sql or ""
    assert "scalar_index_entries" in sql["kept"]
    assert "scalar_index_entries" not in sql["plain"]  # what mongoeco 4.11 runs


def test_a_lookup_by_a_missing_id_reads_one_row_not_the_collection(tmp_path: Path) -> None:
    # mongoeco 4.11 took a miss of its `_id` lookup for "cannot look this up" and read the
    # whole collection (twice for find_one): a new stream slot's upsert took 3.4 ms among
    # 4,000 slots, a find_one of a missing `_id` 5.5 ms.
    scans: dict[str, list[str]] = {}
    for name, e in (
        ("kept", EmbeddedEngine(str(tmp_path / "db.sqlite"))),
        ("plain", SQLiteEngine(str(tmp_path / "plain.sqlite"))),
    ):
        with MongoClient(engine=e) as client:
            slots = client["cv"]["stream_slots"]
            slots.insert_many([{"_id": f"u{i}:0", "lease": i} for i in range(50)] + [{"_id": 7}])
            statements: list[str] = []
            e._require_connection().set_trace_callback(statements.append)
            for missing in ("u99:0", FIXED_OID):
                assert slots.find_one({"_id": missing}) is None
                assert slots.update_one({"_id": missing}, {"$set": {"lease": 1}}).matched_count == 0
                assert slots.delete_one({"_id": missing}).deleted_count == 0
            upserted = slots.find_one_and_update(
                {"_id": "u98:0"}, {"$set": {"lease": 2}}, upsert=True, return_document=True
            )
            assert upserted == {"_id": "u98:0", "lease": 2}
            # Found ones as before, by the wire's path too (a comment takes it in-process).
            assert slots.find_one({"_id": "u3:0"}, {"_id": 0}, comment="scan") == {"lease": 3}
            assert list(slots.find({"_id": "u4:0"}).limit(1)) == [{"_id": "u4:0", "lease": 4}]
            e._require_connection().set_trace_callback(None)
            scans[name] = [
                s for s in statements if "FROM documents" in s and "storage_key = " not in s
            ]
            assert slots.find_one({"_id": 7.0}) == {"_id": 7}  # a number's other form
    assert scans["plain"], "mongoeco 4.11 reads the collection on a miss"
    assert scans["kept"] == []
