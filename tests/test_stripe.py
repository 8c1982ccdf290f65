"""Stripe through the real SDK against localstripe, and webhooks from the outside (P1–P6)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.conftest import RunningApp, make_settings, start_app
from tests.course_helpers import BuiltCourse, key_url, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in
from tests.stripe_helpers import (
    DECLINED_CARD,
    GOOD_CARD,
    PUBLISHABLE_KEY,
    LocalStripe,
    event,
    pay_as_browser,
    served,
    settings_for,
    signed,
)

WEBHOOK = "/api/payments/stripe/webhook"


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    emulator = LocalStripe(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    yield emulator
    emulator.stop()


@pytest.fixture
def settings_overrides(localstripe: LocalStripe) -> dict[str, Any]:
    return settings_for(localstripe.url)


@pytest.fixture
async def webhooks(running: RunningApp, localstripe: LocalStripe) -> AsyncIterator[None]:
    """The app on a real port, registered as localstripe's webhook endpoint."""
    async with served(running.app) as url:
        localstripe.send_webhooks_to(f"{url}{WEBHOOK}")
        yield


@pytest.fixture
async def course(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(
        db, instructor.user, title="Stripe Course", amount=4900, currency="eur"
    )


async def checkout(client: httpx.AsyncClient, who: SignedIn, course: BuiltCourse) -> Any:
    response = await client.post(f"/api/courses/{course.id}/checkout", headers=who.bearer)
    assert response.status_code == 201, response.text
    return response.json()


async def payment_intent_of(db: Database, order_id: str) -> str:
    order = await db.orders.find_one({"_id": order_id})
    assert order is not None
    return str(order["provider_payment_id"])


async def paid_in_stripe(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    who: SignedIn,
    course: BuiltCourse,
) -> tuple[Any, str]:
    """Checks out and pays with the good test card; returns the order and its PaymentIntent."""
    order = await checkout(client, who, course)
    intent_id = await payment_intent_of(db, order["order_id"])
    assert await pay_as_browser(localstripe.client(), intent_id, GOOD_CARD) == "succeeded"
    return order, intent_id


async def enrolled(client: httpx.AsyncClient, who: SignedIn, course: BuiltCourse) -> bool:
    body = (await client.get("/api/me/courses", headers=who.bearer)).json()
    return course.id in [item["course"]["id"] for item in body["items"]]


async def wait_for_state(
    client: httpx.AsyncClient, who: SignedIn, order_id: str, state: str
) -> None:
    """Waits for localstripe's webhook (sent ~1 s after the change) to reach the app."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        order = await client.get(f"/api/orders/{order_id}", headers=who.bearer)
        if order.json()["state"] == state:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"order never became {state}: {order.json()}")


async def post_event(client: httpx.AsyncClient, evt: dict[str, Any], **sign: Any) -> httpx.Response:
    body, headers = signed(evt, **sign)
    return await client.post(WEBHOOK, content=body, headers=headers)


async def test_a_card_payment_through_stripe_grants_access_via_the_webhook(
    webhooks: None,
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    order = await checkout(client, student, course)
    assert order["provider"] == "stripe"
    assert order["client_secret"].startswith("pi_") and order["publishable_key"] == PUBLISHABLE_KEY
    assert order["stripe_js_url"]
    intent_id = await payment_intent_of(db, order["order_id"])
    intent = await localstripe.client().v1.payment_intents.retrieve_async(intent_id)
    assert (intent.amount, intent.currency) == (4900, "eur")
    assert intent.metadata["order_id"] == order["order_id"]
    assert intent.metadata["user_id"] == student.user.id
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None and stored["idempotency_key"].endswith(order["order_id"])

    assert await pay_as_browser(localstripe.client(), intent_id, GOOD_CARD) == "succeeded"
    # Nobody visits the order page: only localstripe's signed webhook can grant access.
    deadline = time.monotonic() + 15
    while not await enrolled(client, student, course):
        assert time.monotonic() < deadline, "the webhook never granted access"
        await asyncio.sleep(0.2)
    assert await db.webhook_events.count_documents({"type": "payment_intent.succeeded"}) == 1
    await wait_for_state(client, student, order["order_id"], "paid")


async def test_a_declined_card_grants_nothing(
    webhooks: None,
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    order = await checkout(client, student, course)
    intent_id = await payment_intent_of(db, order["order_id"])
    assert await pay_as_browser(localstripe.client(), intent_id, DECLINED_CARD) == "declined"
    await wait_for_state(client, student, order["order_id"], "failed")
    assert not await enrolled(client, student, course)


async def test_P5_an_admin_refund_refunds_in_stripe_and_ends_playback(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, amount=4900, video_id=ready_video)
    order, intent_id = await paid_in_stripe(client, db, localstripe, student, course)
    # The success page re-reads the PaymentIntent server-side (P6), so no webhook is needed.
    await wait_for_state(client, student, order["order_id"], "paid")
    assert course.video_lesson
    started = (await start_lesson(client, student.bearer, course.video_lesson)).json()
    admin = await signed_in(client, db, settings, role=Role.admin)
    refunded = await client.post(
        f"/api/admin/orders/{order['order_id']}/refund", headers=admin.bearer
    )
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["state"] == "refunded"
    refunds = await localstripe.client().v1.refunds.list_async(params={"payment_intent": intent_id})
    assert [r.amount for r in refunds.data] == [4900]
    assert (
        await client.get(key_url(started["playlist_url"]), headers=student.bearer)
    ).status_code == 403
    assert not await enrolled(client, student, course)
    again = await client.post(f"/api/admin/orders/{order['order_id']}/refund", headers=admin.bearer)
    assert again.status_code == 200  # idempotent: nothing refunded twice
    refunds = await localstripe.client().v1.refunds.list_async(params={"payment_intent": intent_id})
    assert len(refunds.data) == 1


@pytest.mark.parametrize(
    ("case", "sign"),
    [
        ("unsigned", None),
        ("wrong secret", {"secret": "whsec_" + "x" * 32}),
        ("stale", {"at": -305}),  # seconds from now, when the event is signed
        ("future", {"at": +305}),
        ("tampered", {}),
    ],
)
async def test_P1_bad_webhook_signatures_are_400_with_no_side_effect(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    student: SignedIn,
    course: BuiltCourse,
    case: str,
    sign: dict[str, Any] | None,
) -> None:
    order, intent_id = await paid_in_stripe(client, db, localstripe, student, course)
    evt = event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})
    if sign is None:
        response = await client.post(WEBHOOK, json=evt)
    else:
        if "at" in sign:
            sign = {"at": int(time.time()) + sign["at"]}
        body, headers = signed(evt, **sign)
        if case == "tampered":
            body = body.replace(b"payment_intent.succeeded", b"payment_intent.succeedeD")
        response = await client.post(WEBHOOK, content=body, headers=headers)
    assert response.status_code == 400, case
    assert error_code(response) == "invalid_signature"
    assert await db.webhook_events.count_documents({}) == 0
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None and stored["state"] == "pending"
    assert await db.grants.count_documents({}) == 0


async def test_P3_a_signed_success_for_an_unpaid_intent_grants_nothing(
    client: httpx.AsyncClient, db: Database, student: SignedIn, course: BuiltCourse
) -> None:
    order = await checkout(client, student, course)
    intent_id = await payment_intent_of(db, order["order_id"])
    forged = event(
        "payment_intent.succeeded",
        {"id": intent_id, "object": "payment_intent", "status": "succeeded", "amount": 4900},
    )
    response = await post_event(client, forged)
    assert response.status_code == 200  # stored and handled: Stripe's re-read says unpaid
    assert not await enrolled(client, student, course)


async def test_P2_the_same_event_twenty_times_at_once_enrolls_once(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    _order, intent_id = await paid_in_stripe(client, db, localstripe, student, course)
    evt = event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})
    responses = await asyncio.gather(*(post_event(client, evt) for _ in range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    assert sum(not r.json()["duplicate"] for r in responses) == 1
    assert await db.webhook_events.count_documents({"_id": evt["id"]}) == 1
    assert await db.grants.count_documents({"user_id": student.user.id}) == 1
    assert await enrolled(client, student, course)


async def test_P4_a_refund_before_the_success_leaves_access_revoked(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    order, intent_id = await paid_in_stripe(client, db, localstripe, student, course)
    refund = event(
        "charge.refunded",
        {"id": "ch_x", "object": "charge", "payment_intent": intent_id, "refunded": True},
    )
    success = event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})
    assert (await post_event(client, refund)).status_code == 200
    assert (await post_event(client, success)).status_code == 200
    assert not await enrolled(client, student, course)
    state = (await client.get(f"/api/orders/{order['order_id']}", headers=student.bearer)).json()
    assert state["state"] == "refunded"


async def test_P4_P5_disputes_revoke_a_won_one_restores_a_lost_one_does_not(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, amount=4900, video_id=ready_video)
    assert course.video_lesson
    for outcome in ("won", "lost"):
        buyer = await signed_in(client, db, settings)
        _order, intent_id = await paid_in_stripe(client, db, localstripe, buyer, course)
        success = event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})
        await post_event(client, success)
        assert await enrolled(client, buyer, course)
        playing = (await start_lesson(client, buyer.bearer, course.video_lesson)).json()
        dispute = {"id": f"dp_{outcome}", "object": "dispute", "payment_intent": intent_id}
        await post_event(
            client, event("charge.dispute.created", {**dispute, "status": "needs_response"})
        )
        assert not await enrolled(client, buyer, course)
        assert (
            await client.get(key_url(playing["playlist_url"]), headers=buyer.bearer)
        ).status_code == 403
        await post_event(client, event("charge.dispute.closed", {**dispute, "status": outcome}))
        # A late, out-of-order "created" for the same dispute changes nothing.
        await post_event(
            client, event("charge.dispute.created", {**dispute, "status": "needs_response"})
        )
        assert await enrolled(client, buyer, course) is (outcome == "won")


async def test_P2_with_the_database_down_the_webhook_is_not_acknowledged(
    tmp_path: Path, localstripe: LocalStripe
) -> None:
    settings = make_settings(
        tmp_path / "own-data", db_timeout_seconds=1.0, **settings_for(localstripe.url)
    )
    app, lifespan = await start_app(settings)
    frozen = None
    try:
        connection = app.state.connection
        assert connection.embedded is not None
        # This app's own database stops answering (a dead one would be restarted at once).
        frozen = connection.embedded.pid
        os.kill(frozen, signal.SIGSTOP)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=30
        ) as client:
            body, headers = signed(
                event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})
            )
            response = await client.post(WEBHOOK, content=body, headers=headers)
        assert response.status_code == 503
        assert error_code(response) == "database_unavailable"
    finally:
        if frozen is not None:
            os.kill(frozen, signal.SIGCONT)
        await lifespan.__aexit__(None, None, None)
