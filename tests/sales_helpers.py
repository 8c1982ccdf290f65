"""HTTP shortcuts for the order kinds beyond a course: bundles, gifts, team seats."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from coursevault import clock
from coursevault.database.db import Database
from tests.course_helpers import key_url, start_lesson
from tests.factories import SignedIn, error_code


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


async def own_course(client: httpx.AsyncClient, who: SignedIn, course_id: str) -> Any:
    """WHO buys COURSE_ID itself through the local test checkout; returns the paid order."""
    order = await created(
        await client.post(f"/api/courses/{course_id}/checkout", headers=who.bearer)
    )
    return await pay(client, who, order["order_id"])


async def order_bundle(
    client: httpx.AsyncClient, who: SignedIn, bundle_id: str, **body: Any
) -> Any:
    """Opens the checkout of BUNDLE_ID (201); returns the unpaid order."""
    url = f"/api/bundles/{bundle_id}/checkout"
    return await created(await client.post(url, json=body or None, headers=who.bearer))


async def order_gift(client: httpx.AsyncClient, who: SignedIn, course_id: str, **body: Any) -> Any:
    """Opens the checkout of a gift of COURSE_ID (201); returns the unpaid order."""
    url = f"/api/courses/{course_id}/gift"
    return await created(await client.post(url, json=body, headers=who.bearer))


async def order_seats(
    client: httpx.AsyncClient, who: SignedIn, course_id: str, quantity: int, **body: Any
) -> Any:
    """Opens the checkout of QUANTITY seats of COURSE_ID (201); returns the unpaid order."""
    url = f"/api/courses/{course_id}/seats/checkout"
    return await created(
        await client.post(url, json={"quantity": quantity, **body}, headers=who.bearer)
    )


async def new_coupon(client: httpx.AsyncClient, who: SignedIn, coupon: dict[str, Any]) -> None:
    response = await client.post("/api/coupons", json=coupon, headers=who.bearer)
    assert response.status_code == 201


async def read_paid_order(
    client: httpx.AsyncClient, who: SignedIn, order_id: str, times: int = 3
) -> None:
    """Reads the order page TIMES times (as a webhook sent again would apply the order
    again); it answers paid each time."""
    for _ in range(times):
        read = await client.get(f"/api/orders/{order_id}", headers=who.bearer)
        assert read.status_code == 200 and read.json()["state"] == "paid"


async def claim_gift(client: httpx.AsyncClient, who: SignedIn, token: str) -> httpx.Response:
    return await client.post("/api/gifts/claim", json={"token": token}, headers=who.bearer)


async def claim_seat(client: httpx.AsyncClient, who: SignedIn, token: str) -> httpx.Response:
    return await client.post("/api/seats/claim", json={"token": token}, headers=who.bearer)


async def teams_of(client: httpx.AsyncClient, who: SignedIn) -> list[Any]:
    """The teams whose seats WHO bought (GET /api/me/teams)."""
    return list((await client.get("/api/me/teams", headers=who.bearer)).json())


async def reassign_seat(
    client: httpx.AsyncClient, who: SignedIn, team_id: str, seat_id: str, email: str
) -> httpx.Response:
    return await client.put(
        f"/api/teams/{team_id}/seats/{seat_id}", json={"email": email}, headers=who.bearer
    )


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


async def assert_cut_off(client: httpx.AsyncClient, who: SignedIn, key: str) -> None:
    """WHO's access is gone: the key of its playback is refused, the playback is over and
    no course is listed."""
    assert (await client.get(key, headers=who.bearer)).status_code == 403
    assert (await client.get("/api/me/playback", headers=who.bearer)).json()["items"] == []
    assert await my_course_ids(client, who) == []


async def assert_not_enrolled(client: httpx.AsyncClient, who: SignedIn, lesson_id: str) -> None:
    """A new playback of LESSON_ID is refused to WHO (403 not_enrolled)."""
    again = await client.post(f"/api/lessons/{lesson_id}/playback", headers=who.bearer)
    assert again.status_code == 403 and error_code(again) == "not_enrolled"


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
