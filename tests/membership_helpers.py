"""Membership plans and memberships over HTTP, as the pricing page and the account page
drive them."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

import httpx

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.mail import outbox
from tests.course_helpers import key_url
from tests.factories import SignedIn

# The key check sees a lapse at once; sign-ins outlive the months a test's clock moves on.
LONG_SESSIONS = {"access_cache_seconds": 0, "refresh_token_ttl_seconds": 400 * 24 * 3600}


def at(value: str | None) -> datetime:
    """A date of an API answer."""
    assert value is not None
    return datetime.fromisoformat(value)


async def make_plan(
    client: httpx.AsyncClient,
    who: SignedIn,
    *,
    courses: list[str] | None = None,
    all_courses: bool = False,
    month: int | None = 900,
    year: int | None = None,
    currency: str = "eur",
    title: str = "All access",
) -> dict[str, Any]:
    prices: dict[str, Any] = {}
    if month is not None:
        prices["month"] = {"amount": month, "currency": currency}
    if year is not None:
        prices["year"] = {"amount": year, "currency": currency}
    body = {
        "title": title,
        "all_courses": all_courses,
        "course_ids": courses or [],
        "prices": prices,
    }
    response = await client.post("/api/membership-plans", json=body, headers=who.bearer)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


async def subscribe(
    client: httpx.AsyncClient, who: SignedIn, plan_id: str, interval: str = "month", **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/api/membership-plans/{plan_id}/subscribe",
        json={"interval": interval, **extra},
        headers=who.bearer,
    )


async def simulate(
    client: httpx.AsyncClient, who: SignedIn, membership_id: str, action: str
) -> httpx.Response:
    """The local test checkout page's buttons."""
    return await client.post(
        f"/api/memberships/{membership_id}/local", json={"action": action}, headers=who.bearer
    )


async def member_of(
    client: httpx.AsyncClient, who: SignedIn, plan_id: str, interval: str = "month"
) -> dict[str, Any]:
    """Subscribes WHO through the local test checkout and pays the first invoice."""
    created = await subscribe(client, who, plan_id, interval)
    assert created.status_code == 201, created.text
    paid = await simulate(client, who, created.json()["id"], "pay")
    assert paid.status_code == 200, paid.text
    body: dict[str, Any] = paid.json()
    assert body["status"] == "active"
    return body


async def membership(client: httpx.AsyncClient, who: SignedIn, membership_id: str) -> Any:
    response = await client.get(f"/api/memberships/{membership_id}", headers=who.bearer)
    assert response.status_code == 200, response.text
    return response.json()


async def opens(client: httpx.AsyncClient, who: SignedIn, lesson_id: str) -> bool:
    """Whether WHO may open the lesson as a student (200), or is refused (403 not_enrolled)."""
    response = await client.get(f"/api/lessons/{lesson_id}", headers=who.bearer)
    assert response.status_code in (200, 403), response.text
    return response.status_code == 200


async def key_status(client: httpx.AsyncClient, who: SignedIn, playlist_url: str) -> int:
    return (await client.get(key_url(playlist_url), headers=who.bearer)).status_code


SUBJECTS = {"receipt": "Your receipt for ", "payment-failed": "Your payment for "}


async def mails_once(db: Database, settings: Settings, kind: str) -> list[str]:
    """The invoices a membership mail of KIND (receipt, payment-failed) was delivered for:
    one entry per message in the outbox to one of this test's accounts (a duplicate shows
    twice), read once every mail job has finished."""
    for _ in range(200):
        waiting = await db.jobs.count_documents(
            {"kind": "mail.send", "state": {"$nin": ["done", "failed"]}}
        )
        if not waiting:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("mail jobs did not finish")
    accounts = {doc["email"] async for doc in db.users.find({}, {"email": 1})}
    found = []
    for message in outbox.messages(settings.data_dir):
        if message.to in accounts and message.subject.startswith(SUBJECTS[kind]):
            invoice = re.search(r"^Invoice: (\S+)$", message.text, re.MULTILINE)
            assert invoice, message.text
            found.append(invoice.group(1))
    return sorted(found)


async def snapshot_of(db: Database) -> dict[str, int]:
    """How many of each membership document exist (a refusal must change none)."""
    return {
        name: await db[name].count_documents({})
        for name in ("membership_plans", "memberships", "local_subscriptions", "grants")
    }
