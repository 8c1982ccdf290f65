"""The only code that touches `membership_plans`, `memberships`, `membership_customers` and
`local_subscriptions`."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

from coursevault import clock
from coursevault.database.db import Database, Document, any_of
from coursevault.memberships.models import (
    DISPUTE_CLOSED,
    InvoiceFacts,
    Membership,
    MembershipPlan,
    MembershipStatus,
)

log = logging.getLogger("coursevault.memberships")

LIVE_INDEX = "one_live_membership_per_plan"
LIVE_STATUSES = ("pending", "active", "past_due")  # of memberships stored before `live`


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.membership_plans.create_index("owner_id")
    await db.membership_plans.create_index("active")
    # Sparse: a membership has no subscription until the provider made one.
    await db.memberships.create_index("provider_subscription_id", unique=True, sparse=True)
    await db.memberships.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])
    await db.memberships.create_index("plan_id")
    # The members of a plan written lately: the studio dashboard's recent invoices.
    await db.memberships.create_index([("plan_id", ASCENDING), ("updated_at", ASCENDING)])
    # Memberships stored before `live`: theirs is what their status says (idempotent).
    for live in (True, False):
        status = {"$in" if live else "$nin": list(LIVE_STATUSES)}
        await db.memberships.update_many(
            {"live": {"$exists": False}, "status": status}, {"$set": {"live": live}}
        )
    # One membership per user and plan whose subscription may still bill (pending, paid,
    # past due even once lapsed): two subscribes racing, or a lapsed member subscribing
    # again, never make a second subscription (P8).
    try:
        await db.memberships.create_index(
            [("user_id", ASCENDING), ("plan_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"live": True},
            name=LIVE_INDEX,
        )
    except OperationFailure:
        # Two live memberships of one plan stored before this index: each may be billing,
        # so neither is changed here; subscribing still refuses a second one.
        log.exception("memberships: index %s not made (duplicates?)", LIVE_INDEX)


# ---- plans ---------------------------------------------------------------------------


def _plan(doc: Document | None) -> MembershipPlan | None:
    return None if doc is None else MembershipPlan.model_validate(doc)


async def insert_plan(*, db: Database, plan: MembershipPlan) -> None:
    await db.membership_plans.insert_one(plan.model_dump(by_alias=True, mode="python"))


async def get_plan(*, db: Database, plan_id: str) -> MembershipPlan | None:
    return _plan(await db.membership_plans.find_one({"_id": plan_id}))


async def list_plans(
    *, db: Database, active_only: bool = False, owner_id: str | None = None
) -> list[MembershipPlan]:
    match: Document = {}
    if active_only:
        match["active"] = True
    if owner_id is not None:
        match["owner_id"] = owner_id
    cursor = db.membership_plans.find(match).sort("created_at", ASCENDING)
    return [MembershipPlan.model_validate(doc) async for doc in cursor]


async def update_plan(
    *, db: Database, plan_id: str, fields: Document, scope_changed: bool
) -> MembershipPlan | None:
    change: Document = {"$set": {**fields, "updated_at": clock.now()}}
    if scope_changed:
        change["$inc"] = {"version": 1}
    return _plan(
        await db.membership_plans.find_one_and_update(
            {"_id": plan_id}, change, return_document=ReturnDocument.AFTER
        )
    )


async def set_stripe_ids(
    *, db: Database, plan_id: str, product: str, price_key: str, price_id: str
) -> None:
    await db.membership_plans.update_one(
        {"_id": plan_id},
        {"$set": {"stripe_product": product, f"stripe_prices.{price_key}": price_id}},
    )


async def delete_plan(*, db: Database, plan_id: str) -> None:
    await db.membership_plans.delete_one({"_id": plan_id})


# ---- memberships ---------------------------------------------------------------------


def _membership(doc: Document | None) -> Membership | None:
    return None if doc is None else Membership.model_validate(doc)


async def insert_membership(*, db: Database, membership: Membership) -> bool:
    """Stores a new (live) membership; False when the user has a live one of the plan."""
    doc = membership.model_dump(by_alias=True, mode="python")
    if doc["provider_subscription_id"] is None:
        del doc["provider_subscription_id"]  # absent, not null: the unique index is sparse
    try:
        await db.memberships.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def live_membership(*, db: Database, user_id: str, plan_id: str) -> Membership | None:
    return _membership(
        await db.memberships.find_one({"user_id": user_id, "plan_id": plan_id, "live": True})
    )


async def mark_failed(*, db: Database, membership_id: str) -> bool:
    """Marks a membership whose subscription was never made `failed` (no longer live),
    unless a subscription was recorded for it meanwhile; True when it was marked."""
    done = await db.memberships.update_one(
        {
            "_id": membership_id,
            "status": MembershipStatus.pending.value,
            "provider_subscription_id": {"$exists": False},
        },
        {
            "$set": {
                "status": MembershipStatus.failed.value,
                "live": False,
                "updated_at": clock.now(),
            },
            "$inc": {"version": 1},
        },
    )
    return done.modified_count > 0


async def get_membership(*, db: Database, membership_id: str) -> Membership | None:
    return _membership(await db.memberships.find_one({"_id": membership_id}))


async def membership_by_subscription(*, db: Database, subscription_id: str) -> Membership | None:
    return _membership(await db.memberships.find_one({"provider_subscription_id": subscription_id}))


async def memberships_of_user(*, db: Database, user_id: str) -> list[Membership]:
    cursor = db.memberships.find({"user_id": user_id}).sort("created_at", DESCENDING)
    return [Membership.model_validate(doc) async for doc in cursor]


async def memberships_of_plans(
    *, db: Database, plan_ids: list[str], written_since: datetime | None = None
) -> list[Membership]:
    """The memberships of PLAN_IDS (only those written at or after WRITTEN_SINCE, over the
    (plan, updated_at) index: every invoice recorded raises `updated_at`)."""
    if (plans := any_of(plan_ids)) is None:
        return []
    match: Document = {"plan_id": plans}
    if written_since is not None:
        match["updated_at"] = {"$gte": written_since}
    cursor = db.memberships.find(match)
    return [Membership.model_validate(doc) async for doc in cursor]


async def plan_has_memberships(*, db: Database, plan_id: str) -> bool:
    return await db.memberships.find_one({"plan_id": plan_id}, {"_id": 1}) is not None


async def set_subscription(
    *, db: Database, membership_id: str, subscription_id: str
) -> Membership | None:
    """Records the provider's subscription of a pending membership that has none yet; None
    when it already names one, was marked failed, or another membership holds it."""
    try:
        return _membership(
            await db.memberships.find_one_and_update(
                {
                    "_id": membership_id,
                    "provider_subscription_id": {"$exists": False},
                    "status": MembershipStatus.pending.value,
                },
                {
                    "$set": {"provider_subscription_id": subscription_id},
                    "$inc": {"version": 1},
                },
                return_document=ReturnDocument.AFTER,
            )
        )
    except DuplicateKeyError:
        return None


async def set_fields(*, db: Database, membership_id: str, fields: Document) -> None:
    await db.memberships.update_one(
        {"_id": membership_id},
        {"$set": {**fields, "updated_at": clock.now()}, "$inc": {"version": 1}},
    )


async def record_paid(
    *, db: Database, membership_id: str, invoice_id: str, facts: InvoiceFacts
) -> bool:
    """Records that INVOICE_ID is paid; True the first time only (its receipt goes out)."""
    field = f"invoices.{invoice_id}"
    done = await db.memberships.update_one(
        {"_id": membership_id, f"{field}.paid": {"$ne": True}},
        {
            "$set": {
                f"{field}.created": facts.created,
                f"{field}.amount": facts.amount,
                f"{field}.currency": facts.currency,
                f"{field}.paid": True,
                f"{field}.period_end": facts.period_end,
                "updated_at": clock.now(),
            },
            "$inc": {"version": 1},
        },
    )
    return done.modified_count > 0


async def record_failure(
    *, db: Database, membership_id: str, invoice_id: str, facts: InvoiceFacts, at: datetime
) -> bool:
    """Keeps the earliest failure time of INVOICE_ID; True when none was known before."""
    field = f"invoices.{invoice_id}"
    update: dict[str, Any] = {
        "$min": {f"{field}.failed_at": at},
        "$set": {
            f"{field}.created": facts.created,
            f"{field}.amount": facts.amount,
            f"{field}.currency": facts.currency,
        },
        "$inc": {"version": 1},
    }
    before = await db.memberships.find_one_and_update(
        {
            "_id": membership_id,
            "$or": [
                {f"{field}.failed_at": {"$exists": False}},
                {f"{field}.failed_at": None},
                {f"{field}.failed_at": {"$gt": at}},
            ],
        },
        update,
        return_document=ReturnDocument.BEFORE,
    )
    if before is None:
        return False
    known = ((before.get("invoices") or {}).get(invoice_id) or {}).get("failed_at")
    return known is None


async def write_state(
    *, db: Database, membership_id: str, version: int, fields: Document
) -> Membership | None:
    """Writes a state derived from snapshot VERSION, unless the membership changed since
    (then None: derive again from what is there now)."""
    try:
        return _membership(
            await db.memberships.find_one_and_update(
                {"_id": membership_id, "version": version},
                {"$set": {**fields, "updated_at": clock.now()}, "$inc": {"version": 1}},
                return_document=ReturnDocument.AFTER,
            )
        )
    except DuplicateKeyError:
        # Live again while another membership of the plan is live (a subscription of
        # ours the provider made after all): the state is written, `live` left as it was.
        log.error("membership %s: another membership of its plan is live", membership_id)
        rest = {k: v for k, v in fields.items() if k != "live"}
        return await write_state(db=db, membership_id=membership_id, version=version, fields=rest)


async def record_refund(
    *, db: Database, membership_id: str, invoice_id: str, facts: InvoiceFacts, at: datetime
) -> bool:
    """Records that INVOICE_ID's charge was refunded (at AT, the earliest report kept);
    True when something changed."""
    field = f"invoices.{invoice_id}"
    done = await db.memberships.update_one(
        {
            "_id": membership_id,
            "$or": [
                {f"{field}.refunded_at": {"$exists": False}},
                {f"{field}.refunded_at": None},
                {f"{field}.refunded_at": {"$gt": at}},
            ],
        },
        {
            "$set": {**_invoice_fields(field, facts), f"{field}.refunded_at": at},
            "$inc": {"version": 1},
        },
    )
    return done.modified_count > 0


async def record_dispute(
    *,
    db: Database,
    membership_id: str,
    invoice_id: str,
    facts: InvoiceFacts,
    dispute_id: str,
    status: str,
    at: datetime,
) -> bool:
    """Records a dispute of INVOICE_ID's charge with its STATUS, unless that dispute is
    closed already (a closed dispute never reopens, P4); its first report time is kept.
    True when something changed."""
    field = f"invoices.{invoice_id}"
    dispute = f"{field}.disputes.{dispute_id}"
    done = await db.memberships.update_one(
        {
            "_id": membership_id,
            f"{dispute}.status": {"$nin": list(DISPUTE_CLOSED)},
            "$or": [
                {f"{dispute}.status": {"$ne": status}},
                {f"{dispute}.at": {"$gt": at}},
            ],
        },
        {
            "$set": {**_invoice_fields(field, facts), f"{dispute}.status": status},
            "$min": {f"{dispute}.at": at},
            "$inc": {"version": 1},
        },
    )
    return done.modified_count > 0


def _invoice_fields(field: str, facts: InvoiceFacts) -> Document:
    return {
        f"{field}.created": facts.created,
        f"{field}.amount": facts.amount,
        f"{field}.currency": facts.currency,
    }


async def mark_granted(
    *, db: Database, membership_id: str, version: int, granted: Document
) -> None:
    """Notes what the grant says, if VERSION is still the latest (not a change of it)."""
    await db.memberships.update_one(
        {"_id": membership_id, "version": version}, {"$set": {"granted": granted}}
    )


# ---- the provider's customer of each user ----------------------------------------------


async def customer_of(*, db: Database, user_id: str, provider: str) -> str | None:
    doc = await db.membership_customers.find_one({"_id": user_id})
    found = (doc or {}).get(provider)
    return found if isinstance(found, str) else None


async def keep_customer(*, db: Database, user_id: str, provider: str, customer_id: str) -> str:
    """Stores the user's customer unless one is stored already; returns the stored one."""
    # A racing subscribe that stored its customer first wins: that one is the user's.
    with contextlib.suppress(DuplicateKeyError):
        await db.membership_customers.update_one(
            {"_id": user_id, provider: {"$exists": False}},
            {"$set": {provider: customer_id}},
            upsert=True,
        )
    return await customer_of(db=db, user_id=user_id, provider=provider) or customer_id


# ---- the local test subscriptions' own ledger (development only) -----------------------


async def insert_local_subscription(*, db: Database, doc: Document) -> None:
    await db.local_subscriptions.insert_one(doc)


async def get_local_subscription(*, db: Database, subscription_id: str) -> Document | None:
    return await db.local_subscriptions.find_one({"_id": subscription_id})


async def local_subscription_of(*, db: Database, membership_id: str) -> Document | None:
    return await db.local_subscriptions.find_one({"metadata.membership_id": membership_id})


async def update_local_subscription(
    *, db: Database, subscription_id: str, version: int, change: Document
) -> Document | None:
    """Applies CHANGE to the ledger's subscription as read at VERSION; None if it moved."""
    return await db.local_subscriptions.find_one_and_update(
        {"_id": subscription_id, "version": version},
        {**change, "$inc": {"version": 1}},
        return_document=ReturnDocument.AFTER,
    )
