"""The only code that touches `grants` and `grant_unlocks` (and reads the legacy
`enrollments` once, to migrate them).

A grant is one reason a user may watch: a source (order, membership, bundle, gift,
seat, free, staff) and its id, a scope (one course, or a plan's courses), a state and
dates. Access is "any active grant in force now", asked by one read (`standing`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.database.db import Database, Document, pair_id
from coursevault.enrollments.models import GrantSource, GrantState, Standing
from coursevault.ttl_cache import TtlCache

log = logging.getLogger(__name__)

ACTIVE = GrantState.active.value
REVOKED = GrantState.revoked.value


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`) and moves the
    enrollments of older versions into grants (idempotent, nothing deleted)."""
    await db.grants.create_index([("user_id", ASCENDING), ("state", ASCENDING)])
    await db.grants.create_index("user_id")  # a student's standing (see `standing`)
    await db.grants.create_index([("course_id", ASCENDING), ("state", ASCENDING)])
    await db.grants.create_index([("source", ASCENDING), ("source_id", ASCENDING)])
    await db.grants.create_index("plan_id", sparse=True)
    # A course's members (the studio dashboard's students): plans naming it, site-wide ones.
    await db.grants.create_index("scope_courses", sparse=True)
    await db.grants.create_index("scope_all", sparse=True)
    await _migrate_enrollments(db)


def grant_id(source: GrantSource, source_id: str, user_id: str, course_id: str | None) -> str:
    """A grant's `_id`: one per (source, source id, user, course or plan scope)."""
    return ":".join((source.value, source_id, user_id, course_id or "*"))


async def _migrate_enrollments(db: Database) -> None:
    """Copies each enrollment of an older version into a grant (same dates and state);
    the `enrollments` collection is left as it was."""
    moved = 0
    async for doc in db.enrollments.find({"migrated": {"$ne": True}}):
        source = GrantSource.order if doc.get("order_id") else GrantSource.free
        source_id = doc["order_id"] if doc.get("order_id") else doc["course_id"]
        fields = {
            "user_id": doc["user_id"],
            "course_id": doc["course_id"],
            "plan_id": None,
            "source": source.value,
            "source_id": source_id,
            "state": doc["state"],
            "version": int(doc.get("order_version", 0)),
            "starts_at": doc["created_at"],
            "ends_at": None,
            "created_at": doc["created_at"],
            "updated_at": doc.get("updated_at", doc["created_at"]),
        }
        key = grant_id(source, source_id, doc["user_id"], doc["course_id"])
        await db.grants.update_one({"_id": key}, {"$setOnInsert": fields}, upsert=True)
        if doc.get("unlocked"):
            await db.grant_unlocks.update_one(
                {"_id": pair_id(doc["user_id"], doc["course_id"])},
                {"$setOnInsert": {"at": doc.get("updated_at", doc["created_at"])}},
                upsert=True,
            )
        await db.enrollments.update_one({"_id": doc["_id"]}, {"$set": {"migrated": True}})
        moved += 1
    if moved:
        log.info("%d enrollments of an older version moved into grants", moved)


# Standings looked up for callers that accept a bounded delay (the key endpoint); every
# grant write here forgets the entries it may change.
# Keyed by (user, course, published, drip).
_standings: TtlCache[tuple[str, str, bool, bool], Standing] = TtlCache("enrollments.standings")


def _forget(user_id: str | None = None, course_id: str | None = None) -> None:
    if user_id is not None and course_id is not None:
        for published in (True, False):
            for drip in (True, False):
                _standings.forget((user_id, course_id, published, drip))
        return
    _standings.forget_matching(
        lambda key: (
            (user_id is None or key[0] == user_id) and (course_id is None or key[1] == course_id)
        )
    )


def _in_force(doc: Document, now: datetime) -> bool:
    if doc["state"] != ACTIVE:
        return False
    starts, ends = doc.get("starts_at"), doc.get("ends_at")
    return (starts is None or starts <= now) and (ends is None or ends > now)


def _covers(course_id: str, published: bool) -> Document:
    named: list[Document] = [{"course_id": course_id}, {"scope_courses": course_id}]
    # A site-wide plan opens the courses on sale, never a draft (or one taken off sale).
    return {"$or": [*named, {"scope_all": True}] if published else named}


def _grant_covers(doc: Document, course_id: str, published: bool) -> bool:
    """`_covers` as a test of one stored grant."""
    scope = doc.get("scope_courses")
    return (
        doc.get("course_id") == course_id
        or scope == course_id
        or (isinstance(scope, list) and course_id in scope)
        or (published and doc.get("scope_all") is True)
    )


async def standing(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    published: bool,
    drip: bool = True,
    max_age: float = 0.0,
) -> Standing | None:
    """USER_ID's access to COURSE_ID now, from the grants in force (or as of a lookup at
    most MAX_AGE s old), or None. PUBLISHED tells whether the course is on sale: a
    site-wide plan opens only those. One read of grants, then one of the unlock when DRIP
    (the course holds lessons back: courses.drip.holds_back); without a release rule an
    unlock opens nothing, and `unlocked` reads False."""

    async def load() -> Standing | None:
        now = clock.now()
        # All of the user's grants (a few), sorted out here: a find of one field equal
        # to a value is the shape the embedded database answers from an index; with more
        # conditions it reads every grant of every user (embedded_engine).
        found = [
            doc
            async for doc in db.grants.find({"user_id": user_id})
            if _in_force(doc, now) and _grant_covers(doc, course_id, published)
        ]
        if not found:
            return None
        first = min(found, key=lambda d: d["starts_at"])
        ends = [d.get("ends_at") for d in found]
        unlocked = drip and await db.grant_unlocks.find_one({"_id": pair_id(user_id, course_id)})
        return Standing(
            since=first["starts_at"],
            unlocked=bool(unlocked),
            source=GrantSource(first["source"]),
            until=None if None in ends else max(e for e in ends if e is not None),
        )

    key = (user_id, course_id, published, drip)
    found = await _standings.get_or_load(key, max_age, load)
    if found is not None and found.until is not None and found.until <= clock.now():
        # A membership's end passed while its standing was cached: no write marks it.
        _standings.forget(key)
        return await load()
    return found


async def put(
    *,
    db: Database,
    user_id: str,
    source: GrantSource,
    source_id: str,
    course_id: str | None = None,
    plan_id: str | None = None,
    scope_courses: list[str] | None = None,
    scope_all: bool = False,
    active: bool = True,
    version: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    plan_version: int | None = None,
) -> bool:
    """Creates or updates one grant; with VERSION, an older version never overwrites a
    newer one (an order's snapshots, P4); with PLAN_VERSION, a plan's scope older than
    the one the grant has never overwrites it (its state and dates are written). True
    when something changed."""
    now = clock.now()
    key = grant_id(source, source_id, user_id, course_id)
    fields: dict[str, Any] = {
        "state": ACTIVE if active else REVOKED,
        "ends_at": ends_at,
        "updated_at": now,
    }
    scope: dict[str, Any] = {}
    if plan_id is not None:
        fields["plan_id"] = plan_id
        scope = {"scope_courses": scope_courses or [], "scope_all": scope_all}
        if plan_version is None:
            fields.update(scope)
            scope = {}
        else:
            scope["plan_version"] = plan_version
    if version is not None:
        fields["version"] = version
    on_insert = {
        "user_id": user_id,
        "course_id": course_id,
        "source": source.value,
        "source_id": source_id,
        "starts_at": starts_at or now,
        "created_at": now,
    }
    newer: list[Document] = []
    if version is not None:
        newer.append({"$or": [{"version": {"$lt": version}}, {"version": {"$exists": False}}]})
    try:
        if plan_version is not None:
            # State and dates always; the scope only over an older plan version's (one
            # write when the grant has this version's already, as it mostly has).
            same = await db.grants.update_one(
                {"_id": key, "plan_version": {"$gte": plan_version}}, {"$set": fields}
            )
            if same.matched_count:
                return same.modified_count > 0
            newer.append({"$or": _older(plan_version)})
        match: Document = {"_id": key, **({"$and": newer} if newer else {})}
        result = await db.grants.update_one(
            match, {"$set": {**fields, **scope}, "$setOnInsert": on_insert}, upsert=True
        )
    except DuplicateKeyError:
        # A newer version is already stored (its _id matched, not the filter). A plan's
        # grant still takes its state and dates; the newer plan's scope stays.
        if plan_version is None:
            return False
        kept = await db.grants.update_one({"_id": key}, {"$set": fields})
        return kept.modified_count > 0
    finally:
        _forget(user_id, course_id)
    return result.modified_count > 0 or result.upserted_id is not None


def _older(plan_version: int) -> list[Document]:
    """Grants whose scope is of a plan version older than PLAN_VERSION (or of none)."""
    return [{"plan_version": {"$lt": plan_version}}, {"plan_version": {"$exists": False}}]


async def _rescope(*, db: Database, match: Document, scope: Document) -> int:
    """Gives the grants of MATCH the plan's SCOPE (with its `plan_version`) where they have
    an older one; returns how many changed."""
    done = await db.grants.update_many(
        {**match, "$or": _older(scope["plan_version"])}, {"$set": scope}
    )
    return done.modified_count


async def revoke_source(
    *, db: Database, source: GrantSource, source_id: str, state: GrantState = GrantState.revoked
) -> list[Document]:
    """Ends every active grant of one source (a refund, a seat taken back); returns the
    grants it ended, as they were."""
    match = {"source": source.value, "source_id": source_id, "state": ACTIVE}
    found = [doc async for doc in db.grants.find(match)]
    if found:
        await db.grants.update_many(
            {"_id": {"$in": [d["_id"] for d in found]}, "state": ACTIVE},
            {"$set": {"state": state.value, "updated_at": clock.now()}},
        )
    for doc in found:
        _forget(doc["user_id"], doc.get("course_id"))
    return found


async def set_plan_scope(
    *, db: Database, plan_id: str, scope_courses: list[str], scope_all: bool, plan_version: int
) -> int:
    """Gives every grant of a plan the plan's courses as of PLAN_VERSION (courses added
    later open for current members at once), except grants that have a newer version's
    already (of two changes racing, the later one stays); returns how many changed."""
    scope = {"scope_courses": scope_courses, "scope_all": scope_all, "plan_version": plan_version}
    changed = await _rescope(db=db, match={"plan_id": plan_id}, scope=scope)
    if changed:
        _standings.clear()
    return changed


async def unlock(*, db: Database, user_id: str, course_id: str) -> bool:
    """Opens every lesson for a user with access; False when there is none."""
    if await standing(db=db, user_id=user_id, course_id=course_id, published=True) is None:
        return False
    await db.grant_unlocks.update_one(
        {"_id": pair_id(user_id, course_id)}, {"$set": {"at": clock.now()}}, upsert=True
    )
    _forget(user_id, course_id)
    return True


async def of_user(*, db: Database, user_id: str) -> list[Document]:
    """USER_ID's grants in force now, newest first."""
    now = clock.now()
    cursor = db.grants.find({"user_id": user_id, "state": ACTIVE}).sort("starts_at", -1)
    return [doc async for doc in cursor if _in_force(doc, now)]


async def of_course(*, db: Database, course_id: str) -> list[Document]:
    """Every grant naming COURSE_ID (in force or not), oldest first."""
    cursor = db.grants.find({"course_id": course_id}).sort("created_at", ASCENDING)
    return [doc async for doc in cursor]


async def students_now(*, db: Database, course_id: str, published: bool) -> list[Document]:
    """The grants in force now that open COURSE_ID (PUBLISHED: whether it is on sale) to
    a student: bought, free, gifted, a seat or a plan's (staff grants left out); each
    with its `user_id` and `starts_at`. One read over the course's in-force grants."""
    now = clock.now()
    match = {
        "state": ACTIVE,
        "source": {"$ne": GrantSource.staff.value},
        "starts_at": {"$lte": now},
        "$and": [
            _covers(course_id, published),
            {"$or": [{"ends_at": None}, {"ends_at": {"$gt": now}}]},
        ],
    }
    cursor = db.grants.find(match, {"user_id": True, "starts_at": True})
    return [doc async for doc in cursor]


async def of_source(*, db: Database, source: GrantSource, source_id: str) -> list[Document]:
    cursor = db.grants.find({"source": source.value, "source_id": source_id})
    return [doc async for doc in cursor]


async def count(*, db: Database, course_id: str, active_only: bool = False) -> int:
    """Users with a grant naming COURSE_ID (with one in force, when ACTIVE_ONLY)."""
    docs = await of_course(db=db, course_id=course_id)
    now = clock.now()
    return len({d["user_id"] for d in docs if not active_only or _in_force(d, now)})
