"""Bundles, gifts and seats paid through Stripe (the real SDK against localstripe) and
granted by signed webhooks, as course orders are (P3, P4, P5)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.gifts import jobs as gift_jobs
from coursevault.teams import repo as teams_repo
from tests.course_helpers import make_course
from tests.factories import SignedIn, signed_in
from tests.sales_helpers import (
    Died,
    claim_gift,
    claim_token,
    created,
    dies_once,
    my_course_ids,
    order_bundle,
    order_gift,
    order_seats,
    teams_of,
)
from tests.smtp_server import MailServer
from tests.stripe_helpers import GOOD_CARD, LocalStripe, event, pay_as_browser, settings_for
from tests.test_stripe import payment_intent_of, post_event


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    emulator = LocalStripe(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    yield emulator
    emulator.stop()


@pytest.fixture
def settings_overrides(localstripe: LocalStripe, smtp_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_for(localstripe.url), **smtp_overrides}


def succeeded(intent_id: str) -> dict[str, Any]:
    """Stripe's signed `payment_intent.succeeded` event for INTENT_ID (a new event id)."""
    return event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})


async def paid_with_card(
    client: httpx.AsyncClient, db: Database, localstripe: LocalStripe, who: SignedIn, order: Any
) -> str:
    """Pays ORDER's PaymentIntent with the good card and sends Stripe's signed success
    event; returns the PaymentIntent."""
    assert order["provider"] == "stripe" and order["client_secret"].startswith("pi_")
    intent_id = await payment_intent_of(db, order["order_id"])
    assert await pay_as_browser(localstripe.client(), intent_id, GOOD_CARD) == "succeeded"
    assert (await post_event(client, succeeded(intent_id))).status_code == 200
    return intent_id


async def new_bundle(client: httpx.AsyncClient, instructor: SignedIn, ids: list[str]) -> Any:
    return await created(
        await client.post(
            "/api/bundles",
            json={
                "title": "Both",
                "course_ids": ids,
                "price": {"amount": 3000, "currency": "eur"},
                "published": True,
            },
            headers=instructor.bearer,
        )
    )


async def test_a_bundle_paid_in_stripe_disputed_won_then_lost(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    instructor: SignedIn,
) -> None:
    courses = [
        await make_course(db, instructor.user, title=f"Course {n}", amount=2000) for n in (1, 2)
    ]
    ids = sorted(c.id for c in courses)
    bundle = await new_bundle(client, instructor, ids)
    buyer = await signed_in(client, db, settings)
    order = await order_bundle(client, buyer, bundle["id"])
    intent_id = await paid_with_card(client, db, localstripe, buyer, order)
    intent = await localstripe.client().v1.payment_intents.retrieve_async(intent_id)
    assert (intent.amount, intent.currency) == (3000, "eur")
    assert (intent.metadata["kind"], intent.metadata["bundle_id"]) == ("bundle", bundle["id"])
    assert await my_course_ids(client, buyer) == ids
    # A dispute takes every course back; won, they are open again.
    won = {"id": "dp_won", "object": "dispute", "payment_intent": intent_id}
    await post_event(client, event("charge.dispute.created", {**won, "status": "needs_response"}))
    assert await my_course_ids(client, buyer) == []
    await post_event(client, event("charge.dispute.closed", {**won, "status": "won"}))
    assert await my_course_ids(client, buyer) == ids
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None and stored["state"] == "paid"
    # A later dispute, lost, takes them back for good (a late "created" of the won one
    # changes nothing).
    lost = {"id": "dp_lost", "object": "dispute", "payment_intent": intent_id}
    await post_event(client, event("charge.dispute.created", {**lost, "status": "needs_response"}))
    assert await my_course_ids(client, buyer) == []
    await post_event(client, event("charge.dispute.closed", {**lost, "status": "lost"}))
    await post_event(client, event("charge.dispute.created", {**won, "status": "needs_response"}))
    assert await my_course_ids(client, buyer) == []
    grants = await db.grants.find({"user_id": buyer.user.id}).to_list()
    assert [g["state"] for g in grants] == ["revoked", "revoked"]
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None and stored["state"] == "disputed"


async def test_P3_a_payment_whose_metadata_names_another_bundle_grants_nothing(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    instructor: SignedIn,
) -> None:
    courses = [
        await make_course(db, instructor.user, title=f"Course {n}", amount=2000) for n in (1, 2, 3)
    ]
    bought = await new_bundle(client, instructor, [courses[0].id, courses[1].id])
    other = await new_bundle(client, instructor, [courses[0].id, courses[2].id])
    buyer = await signed_in(client, db, settings)
    order = await order_bundle(client, buyer, bought["id"])
    intent_id = await payment_intent_of(db, order["order_id"])
    # The PaymentIntent (same amount, same order) says it is for the other bundle.
    await localstripe.client().v1.payment_intents.update_async(
        intent_id, params={"metadata": {"bundle_id": other["id"]}}
    )
    await paid_with_card(client, db, localstripe, buyer, order)
    assert await my_course_ids(client, buyer) == []
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None and stored["state"] == "pending"
    assert not stored["facts"]["succeeded"]


async def test_a_gift_paid_in_stripe_mails_its_link(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    mail_server: MailServer,
    instructor: SignedIn,
) -> None:
    course = await make_course(db, instructor.user, amount=2500)
    buyer = await signed_in(client, db, settings)
    order = await order_gift(client, buyer, course.id, recipient_email="stripe-gift@example.com")
    await paid_with_card(client, db, localstripe, buyer, order)
    [mail] = await mail_server.wait_for("stripe-gift@example.com")
    recipient = await signed_in(client, db, settings, email="stripe-gift@example.com")
    claimed = await claim_gift(client, recipient, claim_token(mail.body(), "gifts/claim"))
    assert claimed.status_code == 200, claimed.text
    assert await my_course_ids(client, recipient) == [course.id]
    # Stripe reports the success again (another event): the order is applied again, and
    # the link is not mailed again.
    intent_id = await payment_intent_of(db, order["order_id"])
    assert (await post_event(client, succeeded(intent_id))).status_code == 200
    assert await db.jobs.count_documents({"kind": gift_jobs.MAIL_CLAIM_LINK.kind}) == 1
    await asyncio.sleep(1)
    assert len(mail_server.to("stripe-gift@example.com")) == 1


async def test_seats_paid_in_stripe_and_refunded_in_stripe(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    instructor: SignedIn,
) -> None:
    course = await make_course(db, instructor.user, amount=1000)
    manager = await signed_in(client, db, settings)
    order = await order_seats(client, manager, course.id, 4)
    assert order["amount"] == 4000
    intent_id = await paid_with_card(client, db, localstripe, manager, order)
    intent = await localstripe.client().v1.payment_intents.retrieve_async(intent_id)
    assert (intent.metadata["kind"], intent.metadata["quantity"]) == ("seats", "4")
    [team] = await teams_of(client, manager)
    assert team["seats"] == 4
    admin = await signed_in(client, db, settings, role=Role.admin)
    refunded = await client.post(
        f"/api/admin/orders/{order['order_id']}/refund", headers=admin.bearer
    )
    assert refunded.status_code == 200 and refunded.json()["state"] == "refunded"
    refunds = await localstripe.client().v1.refunds.list_async(params={"payment_intent": intent_id})
    assert [r.amount for r in refunds.data] == [4000]
    [team] = await teams_of(client, manager)
    assert team["seats"] == 0


async def test_seats_whose_webhook_died_are_counted_once_when_stripe_sends_it_again(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    instructor: SignedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    course = await make_course(db, instructor.user, amount=1000)
    manager = await signed_in(client, db, settings)
    order = await order_seats(client, manager, course.id, 4)
    intent_id = await payment_intent_of(db, order["order_id"])
    assert await pay_as_browser(localstripe.client(), intent_id, GOOD_CARD) == "succeeded"
    success = succeeded(intent_id)
    # The payment is recorded, then the process dies before the seats are counted: Stripe
    # gets no answer.
    dies_once(monkeypatch, teams_repo, "ensure_team")
    with pytest.raises(Died):
        await post_event(client, success)
    assert await teams_of(client, manager) == []
    # Stripe sends the same event again: the seats are counted, once.
    for _ in range(2):
        assert (await post_event(client, success)).status_code == 200
    [team] = await teams_of(client, manager)
    assert team["seats"] == 4
    # Another success event for the same payment changes nothing either.
    assert (await post_event(client, succeeded(intent_id))).status_code == 200
    [team] = await teams_of(client, manager)
    assert team["seats"] == 4
