"""The only code that touches `teams` and `team_seats`.

A team counts its seats (`seats`, the sum over its paid orders) and the seats held now
(`used`); a seat is held only by taking one from that count in one conditional write, so
racing assignments never hold more seats than were bought, and a seat is ended only after
it was taken off that count (the refund's take-off is conditional too: `take_off_excess`),
so racing refunds and releases never end more seats than they should. One address holds
at most one seat of a team: a held seat carries `holder_key` (team and address), unique,
removed when the seat ends.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault.database.db import Database, Document
from coursevault.teams.models import ACTIVE_SEATS, Seat, SeatState, Team


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.teams.create_index([("manager_id", ASCENDING), ("course_id", ASCENDING)], unique=True)
    await db.team_seats.create_index([("team_id", ASCENDING), ("state", ASCENDING)])
    await db.team_seats.create_index("token_hash", sparse=True)
    await db.team_seats.create_index("token_hashes")
    await db.team_seats.create_index("old_token_hashes")
    await db.team_seats.create_index("holder_key", unique=True, sparse=True)
    await _key_held_seats(db)


class AddressTaken(Exception):
    """The address already holds a seat of the team (its `holder_key` is taken)."""


def holder_key(team_id: str, email: str) -> str:
    return f"{team_id}:{email}"


async def _key_held_seats(db: Database) -> None:
    """Gives the seats held before holder keys existed theirs (idempotent; a second seat
    of the same address, if one was held, keeps none)."""
    async for doc in db.team_seats.find(
        {"state": {"$in": list(ACTIVE_SEATS)}, "holder_key": {"$exists": False}}
    ):
        with contextlib.suppress(DuplicateKeyError):
            await db.team_seats.update_one(
                {"_id": doc["_id"]},
                {"$set": {"holder_key": holder_key(doc["team_id"], doc["email"])}},
            )


def _team(doc: Document | None) -> Team | None:
    return Team.model_validate(doc) if doc else None


def _seat(doc: Document | None) -> Seat | None:
    return Seat.model_validate(doc) if doc else None


# ---- teams ---------------------------------------------------------------------------


async def ensure_team(
    *, db: Database, manager_id: str, course_id: str, course_title: str, now: datetime
) -> Team:
    """The team of MANAGER_ID for COURSE_ID, created (with no seats) if it is the first."""
    fields = {
        "_id": str(ObjectId()),
        "course_title": course_title,
        "seats": 0,
        "used": 0,
        "orders": {},
        "created_at": now,
    }
    key = {"manager_id": manager_id, "course_id": course_id}
    with contextlib.suppress(DuplicateKeyError):  # created by a handler racing this one
        await db.teams.update_one(key, {"$setOnInsert": fields}, upsert=True)
    team = _team(await db.teams.find_one(key))
    assert team is not None
    return team


async def record_order(
    *, db: Database, team_id: str, order_id: str, quantity: int, active: bool, version: int
) -> None:
    """Applies snapshot VERSION of a seat order unless a newer one was applied: when the
    order starts or stops counting, its QUANTITY moves the seat count in the same write."""
    key = f"orders.{order_id}"
    newer = {"$or": [{key: {"$exists": False}}, {f"{key}.version": {"$lt": version}}]}
    entry = {"quantity": quantity, "active": active, "version": version}
    if active:
        turns: Document = {f"{key}.active": {"$ne": True}}
        change: Document = {"$set": {key: entry}, "$inc": {"seats": quantity}}
    else:
        turns = {f"{key}.active": True}
        change = {"$set": {key: entry}, "$inc": {"seats": -quantity}}
    moved = await db.teams.update_one({"_id": team_id, **turns, "$and": [newer]}, change)
    if moved.modified_count == 0:  # no change of counting: only remember the version
        same: Document = {f"{key}.active": True if active else {"$ne": True}}
        await db.teams.update_one({"_id": team_id, **same, "$and": [newer]}, {"$set": {key: entry}})


async def get_team(*, db: Database, team_id: str) -> Team | None:
    return _team(await db.teams.find_one({"_id": team_id}))


async def teams_of(*, db: Database, manager_id: str) -> list[Team]:
    cursor = db.teams.find({"manager_id": manager_id}).sort("created_at", DESCENDING)
    return [Team.model_validate(doc) async for doc in cursor]


async def take_seat(*, db: Database, team_id: str) -> Team | None:
    """Takes one free seat of the team (atomic); None when every seat is held."""
    return _team(
        await db.teams.find_one_and_update(
            {"_id": team_id, "$expr": {"$lt": ["$used", "$seats"]}},
            {"$inc": {"used": 1}},
            return_document=ReturnDocument.AFTER,
        )
    )


async def give_back_seat(*, db: Database, team_id: str) -> None:
    """Takes one seat off the count: one that is about to end, or was never stored."""
    await db.teams.update_one({"_id": team_id}, {"$inc": {"used": -1}})


async def count_again(*, db: Database, team_id: str) -> None:
    """Puts back a seat taken off the count for one that someone else ended meanwhile (and
    took off the count themselves)."""
    await db.teams.update_one({"_id": team_id}, {"$inc": {"used": 1}})


async def take_off_excess(*, db: Database, team_id: str) -> bool:
    """Takes one seat off the count if more are held than the team has (atomic: of racing
    refunds, each takes one off only while there is an excess); False when none is."""
    taken = await db.teams.find_one_and_update(
        {"_id": team_id, "$expr": {"$gt": ["$used", "$seats"]}},
        {"$inc": {"used": -1}},
        return_document=ReturnDocument.AFTER,
    )
    return taken is not None


# ---- seats ---------------------------------------------------------------------------


async def insert_seat(*, db: Database, seat: Seat) -> None:
    """Stores a seat held for its address; `AddressTaken` if the address holds one."""
    doc = seat.model_dump(by_alias=True, mode="python")
    doc["holder_key"] = holder_key(seat.team_id, seat.email)
    try:
        await db.team_seats.insert_one(doc)
    except DuplicateKeyError:
        raise AddressTaken() from None


async def get_seat(*, db: Database, seat_id: str) -> Seat | None:
    return _seat(await db.team_seats.find_one({"_id": seat_id}))


async def active_seats(*, db: Database, team_id: str) -> list[Seat]:
    """The team's seats held now, oldest assignment first."""
    cursor = db.team_seats.find({"team_id": team_id, "state": {"$in": list(ACTIVE_SEATS)}})
    return sorted([Seat.model_validate(doc) async for doc in cursor], key=lambda s: s.assigned_at)


async def held_by_email(*, db: Database, team_id: str, email: str) -> Seat | None:
    return _seat(
        await db.team_seats.find_one(
            {"team_id": team_id, "email": email, "state": {"$in": list(ACTIVE_SEATS)}}
        )
    )


def _links_to(token_hash: str) -> Document:
    return {"$or": [{"token_hash": token_hash}, {"token_hashes": token_hash}]}


async def by_token(*, db: Database, token_hash: str) -> Seat | None:
    """The seat whose current assignment's or an earlier holder's link carries TOKEN_HASH."""
    return _seat(
        await db.team_seats.find_one(
            {
                "$or": [
                    {"token_hash": token_hash},
                    {"token_hashes": token_hash},
                    {"old_token_hashes": token_hash},
                ]
            }
        )
    )


async def add_token(*, db: Database, seat: Seat, version: int, token_hash: str) -> bool:
    """Gives an invited seat's assignment VERSION a new link; the earlier ones of the same
    assignment keep working (one may have been delivered). False when the seat was
    claimed, released or reassigned meanwhile."""
    links = [h for h in (seat.token_hash, token_hash) if h]  # seats stored with one link
    result = await db.team_seats.update_one(
        {"_id": seat.id, "version": version, "state": SeatState.invited.value},
        {"$set": {"token_hash": token_hash}, "$addToSet": {"token_hashes": {"$each": links}}},
    )
    return result.matched_count > 0


async def reassign(*, db: Database, seat: Seat, email: str, now: datetime) -> Seat | None:
    """Gives SEAT (as read) to EMAIL: a new assignment, unclaimed and without a link yet;
    the former holder's links are kept as earlier ones. None when the seat changed
    meanwhile; `AddressTaken` when EMAIL holds another seat of the team."""
    change: dict[str, Any] = {
        "$set": {
            "email": email,
            "holder_key": holder_key(seat.team_id, email),
            "state": SeatState.invited.value,
            "token_hash": None,
            "token_hashes": [],
            "user_id": None,
            "claimed_at": None,
            "assigned_at": now,
        },
        "$inc": {"version": 1},
    }
    former = [h for h in dict.fromkeys([*seat.token_hashes, seat.token_hash]) if h]
    if former:
        change["$push"] = {"old_token_hashes": {"$each": former}}
    try:
        return _seat(
            await db.team_seats.find_one_and_update(
                {"_id": seat.id, "version": seat.version, "state": {"$in": list(ACTIVE_SEATS)}},
                change,
                return_document=ReturnDocument.AFTER,
            )
        )
    except DuplicateKeyError:
        raise AddressTaken() from None


async def claim(
    *, db: Database, seat_id: str, token_hash: str, user_id: str, now: datetime
) -> Seat | None:
    """Claims an invited seat one of whose current assignment's links is TOKEN_HASH (one
    write: one winner)."""
    return _seat(
        await db.team_seats.find_one_and_update(
            {"_id": seat_id, **_links_to(token_hash), "state": SeatState.invited.value},
            {"$set": {"state": SeatState.claimed.value, "user_id": user_id, "claimed_at": now}},
            return_document=ReturnDocument.AFTER,
        )
    )


async def end_seat(*, db: Database, seat_id: str, state: SeatState, now: datetime) -> Seat | None:
    """Ends a seat held now (released, or revoked by a refund): its address may hold
    another; returns it as it was held, or None when it had already ended."""
    return _seat(
        await db.team_seats.find_one_and_update(
            {"_id": seat_id, "state": {"$in": list(ACTIVE_SEATS)}},
            {"$set": {"state": state.value, "ended_at": now}, "$unset": {"holder_key": ""}},
            return_document=ReturnDocument.BEFORE,
        )
    )


async def newest_seat(*, db: Database, team_id: str) -> Seat | None:
    """The team's most recently assigned seat held now."""
    cursor = (
        db.team_seats.find({"team_id": team_id, "state": {"$in": list(ACTIVE_SEATS)}})
        .sort("assigned_at", DESCENDING)
        .limit(1)
    )
    return next(iter([Seat.model_validate(doc) async for doc in cursor]), None)
