"""HTTP shortcuts for the order kinds beyond a course: bundles, gifts, team seats."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from coursevault import clock
from coursevault.database.db import Database
from tests.course_helpers import key_url, start_lesson
from tests.factories import SignedIn


async def created(response: httpx.Response) -> Any:
    assert response.status_code == 201, response.text
    return response.json()


async def pay(client: httpx.AsyncClient, who: SignedIn, order_id: str) -> Any:
    """Pays a local test order (the test checkout) and returns the order."""
    paid = await client.post(
        f"/api/payments/local/{order_id}/complete", json={"outcome": "succeed"}, headers=who.bearer
    )
    assert paid.status_code == 200, paid.text
    return paid.json()


async def refund(client: httpx.AsyncClient, who: SignedIn, order_id: str) -> Any:
    response = await client.post(f"/api/admin/orders/{order_id}/refund", headers=who.bearer)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "refunded"
    return response.json()


async def my_course_ids(client: httpx.AsyncClient, who: SignedIn) -> list[str]:
    body = (await client.get("/api/me/courses", headers=who.bearer)).json()
    return sorted(item["course"]["id"] for item in body["items"])


async def confirm_email(db: Database, who: SignedIn) -> None:
    """Marks WHO's address as confirmed (as answering the mailed link does)."""
    await db.users.update_one({"_id": who.user.id}, {"$set": {"email_verified_at": clock.now()}})


def claim_token(text: str, page: str) -> str:
    """The token of the /PAGE#token=… link in a mail's text."""
    found = re.search(rf"https?://\S+/{page}#token=([A-Za-z0-9_-]+)", text)
    assert found, f"no /{page} link in:\n{text}"
    return found.group(1)


async def watching(client: httpx.AsyncClient, who: SignedIn, lesson_id: str) -> str:
    """Starts a playback of LESSON_ID for WHO; returns its key URL (fetched once: 200)."""
    started = await start_lesson(client, who.bearer, lesson_id)
    assert started.status_code == 201, started.text
    key = key_url(started.json()["playlist_url"])
    assert (await client.get(key, headers=who.bearer)).status_code == 200
    return key


async def snapshot(db: Database) -> dict[str, list[Any]]:
    """What refusals must leave unchanged: grants, orders, gifts, teams and seats."""
    out: dict[str, list[Any]] = {}
    for name in ("grants", "orders", "gifts", "teams", "team_seats", "bundles", "coupons"):
        out[name] = await db[name].find().sort("_id", 1).to_list()
    return out


class Died(BaseException):
    """The process died here (killed, or its request cancelled): no handler catches it."""


def dies_once(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str, *, after: bool = False
) -> None:
    """Makes the async function OWNER.NAME die the first time it is called: before it
    does anything, or AFTER it has done its work."""
    real = getattr(owner, name)
    calls = 0

    async def dying(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1 and not after:
            raise Died(name)
        result = await real(*args, **kwargs)
        if calls == 1:
            raise Died(name)
        return result

    monkeypatch.setattr(owner, name, dying)
