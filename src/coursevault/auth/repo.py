"""The only code that touches `users`, `refresh_tokens`, `account_tokens` and `login_throttle`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from coursevault import clock
from coursevault.auth.models import Role, User
from coursevault.database.db import Database, Document
from coursevault.i18n import Language
from coursevault.ttl_cache import TtlCache


class EmailTaken(Exception):
    """Another account already uses this email."""


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.users.create_index("email", unique=True)
    await db.refresh_tokens.create_index("family")
    await db.refresh_tokens.create_index("user_id")
    await db.refresh_tokens.create_index("expires_at", expireAfterSeconds=0)
    await db.login_throttle.create_index("expires_at", expireAfterSeconds=0)
    await db.account_tokens.create_index("user_id")
    await db.account_tokens.create_index("expires_at", expireAfterSeconds=0)


async def insert_user(
    *,
    db: Database,
    email: str,
    name: str,
    password_hash: str,
    roles: list[Role],
    verified: bool = False,
    language: Language | None = None,
) -> User:
    """Stores a new user; raises EmailTaken when the email is in use."""
    doc = {
        "_id": str(ObjectId()),
        "email": email,
        "name": name,
        **({"language": language} if language is not None else {}),  # None: not chosen
        "password_hash": password_hash,
        "roles": [str(role) for role in roles],
        "disabled": False,
        "created_at": clock.now(),
        "email_verified_at": clock.now() if verified else None,
    }
    try:
        await db.users.insert_one(doc)
    except DuplicateKeyError as exc:
        raise EmailTaken(email) from exc
    return User.model_validate(doc)


async def get_user(*, db: Database, user_id: str) -> User | None:
    """Returns the user with USER_ID, or None."""
    doc = await db.users.find_one({"_id": user_id})
    return User.model_validate(doc) if doc else None


async def get_users(*, db: Database, user_ids: list[str]) -> dict[str, User]:
    """Returns the users with USER_IDS by id (missing ones are absent)."""
    return {
        doc["_id"]: User.model_validate(doc)
        async for doc in db.users.find({"_id": {"$in": user_ids}})
    }


async def get_user_by_email(*, db: Database, email: str) -> User | None:
    """Returns the user with the (normalized) EMAIL, or None."""
    doc = await db.users.find_one({"email": email})
    return User.model_validate(doc) if doc else None


async def update_user(*, db: Database, user_id: str, **fields: Any) -> User | None:
    """Sets FIELDS on the user and returns it, or None when there is no such user."""
    doc = await db.users.find_one_and_update(
        {"_id": user_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
    )
    _live_sign_ins.clear()
    return User.model_validate(doc) if doc else None


async def mark_verified(*, db: Database, user_id: str) -> None:
    """Records that the account's owner answered mail sent to its address (once)."""
    await db.users.update_one(
        {"_id": user_id, "email_verified_at": None}, {"$set": {"email_verified_at": clock.now()}}
    )
    _live_sign_ins.clear()


async def list_users(*, db: Database, skip: int, limit: int) -> tuple[list[User], int]:
    """Returns one page of users, oldest first, and the total count."""
    cursor = db.users.find({}).sort("created_at", ASCENDING).skip(skip).limit(limit)
    users = [User.model_validate(doc) async for doc in cursor]
    return users, await db.users.count_documents({})


# --- refresh tokens: one document per issued token; a family is one sign-in session ---


async def insert_refresh_token(
    *, db: Database, token_hash: str, family: str, user_id: str, expires_at: datetime
) -> None:
    """Stores a new live refresh token of FAMILY."""
    await db.refresh_tokens.insert_one(
        {
            "_id": token_hash,
            "family": family,
            "user_id": user_id,
            "created_at": clock.now(),
            "expires_at": expires_at,
            "used_at": None,
            "revoked_at": None,
        }
    )


async def consume_refresh_token(*, db: Database, token_hash: str) -> Document | None:
    """Marks a live token used and returns it; None if it was not live (exactly one caller wins)."""
    return await db.refresh_tokens.find_one_and_update(
        {
            "_id": token_hash,
            "used_at": None,
            "revoked_at": None,
            "expires_at": {"$gt": clock.now()},
        },
        {"$set": {"used_at": clock.now()}},
        return_document=ReturnDocument.AFTER,
    )


async def get_refresh_token(*, db: Database, token_hash: str) -> Document | None:
    """Returns the stored token with TOKEN_HASH in any state, or None."""
    return await db.refresh_tokens.find_one({"_id": token_hash})


async def family_is_live(*, db: Database, family: str, token_hash: str | None = None) -> bool:
    """Returns whether FAMILY still holds an unused, unrevoked, unexpired token. TOKEN_HASH,
    the family's token that was live when the access token was issued, is looked up by its
    `_id` first: it is still the live one until the next rotation, and that read costs the
    embedded database half of the family query (docs/performance.md)."""
    now = clock.now()
    if token_hash is not None:
        doc = await db.refresh_tokens.find_one(
            {"_id": token_hash},
            projection={"family": 1, "used_at": 1, "revoked_at": 1, "expires_at": 1},
        )
        if doc is not None:
            if doc.get("family") != family or doc.get("revoked_at") is not None:
                return False  # a family is revoked whole
            if doc.get("used_at") is None and doc.get("expires_at", now) > now:
                return True
        # Rotated since (its successor may be live), or no longer stored: ask the family.
    doc = await db.refresh_tokens.find_one(
        {"family": family, "used_at": None, "revoked_at": None, "expires_at": {"$gt": now}},
        projection={"_id": 1},
    )
    return doc is not None


async def revoke_family(*, db: Database, family: str) -> None:
    """Revokes every token of FAMILY."""
    await db.refresh_tokens.update_many(
        {"family": family, "revoked_at": None}, {"$set": {"revoked_at": clock.now()}}
    )
    _live_sign_ins.clear()


async def revoke_user_families(*, db: Database, user_id: str, keep_family: str | None) -> None:
    """Revokes every session of USER_ID except KEEP_FAMILY."""
    query: Document = {"user_id": user_id, "revoked_at": None}
    if keep_family is not None:
        query["family"] = {"$ne": keep_family}
    await db.refresh_tokens.update_many(query, {"$set": {"revoked_at": clock.now()}})
    _live_sign_ins.clear()


# Live sign-ins recently looked up, for callers that accept a bounded delay (the key
# endpoint; docs/security.md counts it in the revocation bound). Every write here that can
# end a sign-in or change its account (update_user, mark_verified, revoke_family,
# revoke_user_families) forgets them all.
_live_sign_ins: TtlCache[tuple[str, str], User] = TtlCache("auth.live_sign_ins")


async def live_sign_in(
    *, db: Database, user_id: str, family: str, token_hash: str | None = None, max_age: float = 0.0
) -> User | None:
    """Returns USER_ID's account if it exists, is not disabled and FAMILY still holds a live
    refresh token (as found at most MAX_AGE seconds ago, when > 0), else None. TOKEN_HASH:
    the family's token the access token was issued with, when it names one."""

    async def load() -> User | None:
        # Two independent reads: ask for both at once.
        user, live = await asyncio.gather(
            get_user(db=db, user_id=user_id),
            family_is_live(db=db, family=family, token_hash=token_hash),
        )
        return user if user is not None and not user.disabled and live else None

    return await _live_sign_ins.get_or_load((user_id, family), max_age, load)


# --- account tokens: single-use links sent by mail (verify an address, reset a password) ---


async def insert_account_token(
    *, db: Database, token_hash: str, purpose: str, user_id: str, ttl: timedelta
) -> None:
    """Stores the hash of a new link for USER_ID, live for TTL; the link is only in the mail."""
    now = clock.now()
    await db.account_tokens.insert_one(
        {
            "_id": token_hash,
            "purpose": purpose,
            "user_id": user_id,
            "created_at": now,
            "expires_at": now + ttl,
        }
    )


def _live_token(token_hash: str, purpose: str) -> Document:
    return {"_id": token_hash, "purpose": purpose, "expires_at": {"$gt": clock.now()}}


async def peek_account_token(*, db: Database, token_hash: str, purpose: str) -> str | None:
    """Returns the user of a live link without using it up, or None."""
    doc = await db.account_tokens.find_one(_live_token(token_hash, purpose))
    return doc["user_id"] if doc else None


async def consume_account_token(*, db: Database, token_hash: str, purpose: str) -> str | None:
    """Uses up a live link and returns its user; None if it was not live (one caller wins)."""
    doc = await db.account_tokens.find_one_and_delete(_live_token(token_hash, purpose))
    return doc["user_id"] if doc else None


async def delete_account_tokens(*, db: Database, user_id: str, purpose: str) -> None:
    """Voids every outstanding link of PURPOSE for USER_ID."""
    await db.account_tokens.delete_many({"user_id": user_id, "purpose": purpose})


# --- login throttle: failure counters per key ("account:<email>", "ip:<addr>") ---


async def throttle_state(*, db: Database, keys: list[str]) -> list[Document]:
    """Returns the stored counters for KEYS."""
    return [doc async for doc in db.login_throttle.find({"_id": {"$in": keys}})]


async def record_failure(*, db: Database, key: str, window: timedelta) -> Document:
    """Counts one failure for KEY in the current window and returns the counter."""
    now = clock.now()
    await db.login_throttle.update_one(
        {"_id": key, "window_start": {"$lt": now - window}},
        {"$set": {"failures": 0, "window_start": now, "locked_until": None}},
    )
    doc = await db.login_throttle.find_one_and_update(
        {"_id": key},
        {
            "$inc": {"failures": 1},
            "$setOnInsert": {"window_start": now, "locked_until": None},
            "$max": {"expires_at": now + window},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None
    return doc


async def lock_until(*, db: Database, key: str, until: datetime) -> None:
    """Refuses logins for KEY until UNTIL."""
    await db.login_throttle.update_one(
        {"_id": key}, {"$set": {"locked_until": until}, "$max": {"expires_at": until}}
    )


async def clear_throttle(*, db: Database, key: str) -> None:
    """Forgets the failures of KEY (after a successful login)."""
    await db.login_throttle.delete_one({"_id": key})
