"""The only code that touches `teams` and `team_seats`.

A team counts its seats (`seats`, the sum over its paid orders) and the seats held now
(`used`); a seat is held only by taking one from that count in one conditional write, so
racing assignments never hold more seats than were bought.
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
    await db.team_seats.create_index("old_token_hashes")


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
    await db.teams.update_one({"_id": team_id}, {"$inc": {"used": -1}})


# ---- seats ---------------------------------------------------------------------------


async def insert_seat(*, db: Database, seat: Seat) -> None:
    await db.team_seats.insert_one(seat.model_dump(by_alias=True, mode="python"))


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


async def by_token(*, db: Database, token_hash: str) -> Seat | None:
    """The seat whose current or an earlier link carries TOKEN_HASH."""
    return _seat(
        await db.team_seats.find_one(
            {"$or": [{"token_hash": token_hash}, {"old_token_hashes": token_hash}]}
        )
    )


async def set_token(*, db: Database, seat_id: str, version: int, token_hash: str) -> bool:
    """Gives an invited seat's assignment VERSION a new link (an earlier, undelivered one
    stops working); False when the seat was claimed, released or reassigned meanwhile."""
    result = await db.team_seats.update_one(
        {"_id": seat_id, "version": version, "state": SeatState.invited.value},
        {"$set": {"token_hash": token_hash}},
    )
    return result.matched_count > 0


async def reassign(*, db: Database, seat: Seat, email: str, now: datetime) -> Seat | None:
    """Gives SEAT (as read) to EMAIL: a new assignment, unclaimed and without a link yet;
    the former link is kept as an earlier one. None when the seat changed meanwhile."""
    change: dict[str, Any] = {
        "$set": {
            "email": email,
            "state": SeatState.invited.value,
            "token_hash": None,
            "user_id": None,
            "claimed_at": None,
            "assigned_at": now,
        },
        "$inc": {"version": 1},
    }
    if seat.token_hash:
        change["$push"] = {"old_token_hashes": seat.token_hash}
    return _seat(
        await db.team_seats.find_one_and_update(
            {"_id": seat.id, "version": seat.version, "state": {"$in": list(ACTIVE_SEATS)}},
            change,
            return_document=ReturnDocument.AFTER,
        )
    )


async def claim(
    *, db: Database, seat_id: str, token_hash: str, user_id: str, now: datetime
) -> Seat | None:
    """Claims an invited seat whose current link is TOKEN_HASH (one write: one winner)."""
    return _seat(
        await db.team_seats.find_one_and_update(
            {"_id": seat_id, "token_hash": token_hash, "state": SeatState.invited.value},
            {"$set": {"state": SeatState.claimed.value, "user_id": user_id, "claimed_at": now}},
            return_document=ReturnDocument.AFTER,
        )
    )


async def end_seat(*, db: Database, seat_id: str, state: SeatState, now: datetime) -> Seat | None:
    """Ends a seat held now (released, or revoked by a refund); returns it as it was
    held, or None when it had already ended."""
    return _seat(
        await db.team_seats.find_one_and_update(
            {"_id": seat_id, "state": {"$in": list(ACTIVE_SEATS)}},
            {"$set": {"state": state.value, "ended_at": now}},
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
