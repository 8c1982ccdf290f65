"""Memberships through Stripe Subscriptions (the real SDK against localstripe), with its
webhooks delivered over HTTP: the plan's price (P8), state from re-read subscriptions in
any order of events (P9), access that follows it (P10)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.memberships import providers
from coursevault.payments import errors as payment_errors
from tests.conftest import RunningApp
from tests.course_helpers import BuiltCourse, Clock, make_course, start_lesson
from tests.factories import SignedIn, error_code
from tests.membership_helpers import (
    key_status,
    mails_once,
    make_plan,
    membership,
    opens,
    simulate,
    snapshot_of,
    subscribe,
)
from tests.stripe_helpers import (
    DECLINED_CARD,
    GOOD_CARD,
    PUBLISHABLE_KEY,
    SECRET_KEY,
    LocalStripe,
    event,
    served,
    settings_for,
    signed,
)

WEBHOOK = "/api/payments/stripe/webhook"
AUTHENTICATION_CARD = "4000002500003155"  # 3-D Secure: its charge waits for the customer


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    emulator = LocalStripe(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    yield emulator
    emulator.stop()


@pytest.fixture
def fixed_periods() -> bool:
    """localstripe never moves a period on (parametrize False for Stripe's own rule)."""
    return True


@pytest.fixture
def settings_overrides(localstripe: LocalStripe, fixed_periods: bool) -> dict[str, Any]:
    # localstripe never moves a period on: one interval per paid invoice. Sign-ins outlive
    # the months a test's clock moves on.
    return {
        **settings_for(localstripe.url),
        "access_cache_seconds": 0,
        "refresh_token_ttl_seconds": 400 * 24 * 3600,
        "stripe_fixed_periods": fixed_periods,
    }


@pytest.fixture
async def webhooks(running: RunningApp, localstripe: LocalStripe) -> AsyncIterator[None]:
    """The app on a real port, registered as localstripe's webhook endpoint."""
    async with served(running.app) as url:
        localstripe.send_webhooks_to(f"{url}{WEBHOOK}")
        yield


@pytest.fixture
async def course(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Stripe members", amount=4900)


async def card(localstripe: LocalStripe, number: str) -> str:
    """What Stripe.js makes of the card form: a PaymentMethod, sent to us by id."""
    method = await localstripe.client().v1.payment_methods.create_async(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    return str(method.id)


async def joined(
    client: httpx.AsyncClient, localstripe: LocalStripe, who: SignedIn, plan_id: str
) -> dict[str, Any]:
    created = await subscribe(
        client, who, plan_id, payment_method=await card(localstripe, GOOD_CARD)
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Waits for localstripe's webhooks (sent ~1 s after each change) to be handled."""
    deadline = time.monotonic() + 15
    while not await check():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.2)


async def handled(db: Database, kind: str, count: int) -> bool:
    match = {"type": kind, "processed_at": {"$ne": None}}
    return await db.webhook_events.count_documents(match) >= count


async def subscription_of(db: Database, membership_id: str) -> tuple[str, str]:
    stored = await db.memberships.find_one({"_id": membership_id})
    assert stored is not None
    return stored["provider_subscription_id"], stored["provider_customer_id"]


async def bill(localstripe: LocalStripe, customer: str, subscription: str, number: str) -> str:
    """A renewal as Stripe makes it: the card becomes the default, an invoice is made and
    charged. Returns the invoice."""
    v1 = localstripe.client().v1
    method = await card(localstripe, number)
    await v1.payment_methods.attach_async(method, params={"customer": customer})
    await v1.customers.update_async(
        customer, params={"invoice_settings": {"default_payment_method": method}}
    )
    invoice = await v1.invoices.create_async(
        params={"customer": customer, "subscription": subscription}
    )
    paid = await v1.invoices.pay_async(invoice.id)
    if number == AUTHENTICATION_CARD:  # the customer fails the bank's check
        intent = await v1.payment_intents.retrieve_async(str(paid["payment_intent"]))
        async with httpx.AsyncClient(auth=(SECRET_KEY, "")) as http:
            response = await http.post(
                f"{localstripe.url}/v1/payment_intents/{intent.id}/_authenticate",
                data={"client_secret": intent.client_secret, "success": "false"},
            )
        response.raise_for_status()
    return str(invoice.id)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_P8_a_stripe_membership_bills_the_plans_own_price_on_the_members_card(
    webhooks: None,
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    admin: SignedIn,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course.id], month=900, currency="eur")
    pricing = (await client.get("/api/membership-plans")).json()
    assert pricing["provider"] == "stripe" and pricing["publishable_key"] == PUBLISHABLE_KEY
    method = await card(localstripe, GOOD_CARD)
    created = await subscribe(
        client, student, plan["id"], payment_method=method, amount=1, currency="jpy"
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["amount"], body["currency"]) == ("active", 900, "eur")
    assert body["provider"] == "stripe" and body["checkout_url"] is None
    assert at(body["paid_through"]) - at(body["started_at"]) >= timedelta(days=28)
    assert await opens(client, student, course.text_lesson)
    # Stripe bills the Plan we made for this price, never an amount from the client.
    subscription_id, customer_id = await subscription_of(db, body["id"])
    v1 = localstripe.client().v1
    found = (await v1.subscriptions.retrieve_async(subscription_id)).to_dict()
    price = found["items"]["data"][0]["plan"]
    assert (price["amount"], price["currency"], price["interval"]) == (900, "eur", "month")
    assert found["metadata"]["membership_id"] == body["id"]
    stored_plan = await db.membership_plans.find_one({"_id": plan["id"]})
    assert stored_plan is not None and stored_plan["stripe_prices"] == {
        "month-900-eur": price["id"]
    }
    # The webhooks that follow (created, invoice paid) agree; one receipt for the invoice.
    await eventually(lambda: handled(db, "invoice.payment_succeeded", 1), "invoice paid")
    await eventually(lambda: handled(db, "customer.subscription.created", 1), "created")
    assert (await membership(client, student, body["id"]))["status"] == "active"
    assert await mails_once(db, settings, "receipt") == [found["latest_invoice"]]
    # A second plan: the same Stripe customer, paying with the card given now.
    other = await make_plan(client, admin, courses=[course.id], title="Other", month=500)
    second = await joined(client, localstripe, student, other["id"])
    assert (await subscription_of(db, second["id"]))[1] == customer_id


async def test_a_declined_card_or_no_card_leaves_no_subscription_and_no_access(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    admin: SignedIn,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course.id])
    before = await snapshot_of(db)
    missing = await subscribe(client, student, plan["id"])
    assert missing.status_code == 422 and error_code(missing) == "payment_method_required"
    assert await snapshot_of(db) == before
    declined = await subscribe(
        client, student, plan["id"], payment_method=await card(localstripe, DECLINED_CARD)
    )
    assert declined.status_code == 402 and error_code(declined) == "card_declined"
    stored = await db.memberships.find_one({})
    assert stored is not None and stored["status"] == "failed"
    assert "provider_subscription_id" not in stored
    assert await db.grants.count_documents({}) == 0
    assert not await opens(client, student, course.text_lesson)
    mine = (await client.get("/api/me/memberships", headers=student.bearer)).json()
    assert mine["items"] == []
    customer = stored["provider_customer_id"]
    subscriptions = await localstripe.client().v1.subscriptions.list_async(
        params={"customer": customer}
    )
    assert subscriptions.data == []
    local = await simulate(client, student, stored["_id"], "pay")
    assert local.status_code == 409 and error_code(local) == "not_a_test_membership"
    # A member of a plan, declined on another: the first plan's renewals still charge the
    # card that paid it (the declined card does not stay the customer's default).
    good = await card(localstripe, GOOD_CARD)
    first = await subscribe(client, student, plan["id"], payment_method=good)
    assert first.status_code == 201, first.text
    subscription_id, customer_id = await subscription_of(db, first.json()["id"])
    other = await make_plan(client, admin, courses=[course.id], title="Other", month=500)
    declined = await subscribe(
        client, student, other["id"], payment_method=await card(localstripe, DECLINED_CARD)
    )
    assert (declined.status_code, error_code(declined)) == (402, "card_declined")
    v1 = localstripe.client().v1
    found = await v1.customers.retrieve_async(customer_id)
    assert found.invoice_settings is not None
    assert found.invoice_settings.default_payment_method == good
    renewal = await v1.invoices.create_async(
        params={"customer": customer_id, "subscription": subscription_id}
    )
    assert (await v1.invoices.pay_async(renewal.id)).status == "paid"


async def test_P9_P10_renewal_failure_grace_recovery_cancel_and_deletion_through_stripe(
    webhooks: None,
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    course = await make_course(db, instructor.user, amount=4900, video_id=ready_video)
    assert course.video_lesson
    plan = await make_plan(client, admin, courses=[course.id])
    first = await joined(client, localstripe, student, plan["id"])
    subscription_id, customer_id = await subscription_of(db, first["id"])
    await eventually(lambda: handled(db, "invoice.payment_succeeded", 1), "first invoice")

    async def state() -> dict[str, Any]:
        return dict(await membership(client, student, first["id"]))

    async def paid_through_moved() -> bool:
        return bool((await state())["paid_through"] != first["paid_through"])

    await bill(localstripe, customer_id, subscription_id, GOOD_CARD)  # renewal
    await eventually(paid_through_moved, "the renewal is counted")
    renewed = await state()
    assert at(renewed["paid_through"]) - at(first["paid_through"]) >= timedelta(days=28)

    failing = await bill(localstripe, customer_id, subscription_id, AUTHENTICATION_CARD)

    async def past_due() -> bool:
        return (await state())["status"] == "past_due" and await handled(
            db, "invoice.payment_failed", 1
        )

    await eventually(past_due, "the failed renewal")
    failed = await state()
    failure = await db.memberships.find_one({"_id": first["id"]})
    assert failure is not None
    first_failure = failure["invoices"][failing]["failed_at"]
    grace = timedelta(days=settings.membership_grace_days)
    # Failed within the period paid (localstripe's never move on): the grace runs from
    # its end, never cutting it short.
    assert at(failed["access_until"]) == max(at(failed["paid_through"]), first_failure) + grace
    assert await opens(client, student, course.text_lesson)  # the grace period
    assert await mails_once(db, settings, "payment-failed") == [failing]
    # Past the grace nobody writes anything, and access is gone.
    clock = Clock(monkeypatch)
    clock.now = at(failed["access_until"]) + timedelta(seconds=1)
    assert not await opens(client, student, course.text_lesson)
    assert (await state())["status"] == "ended"
    clock.reset()
    # Recovery: a good card, a new invoice paid.
    await bill(localstripe, customer_id, subscription_id, GOOD_CARD)

    async def active_again() -> bool:
        return bool((await state())["status"] == "active")

    await eventually(active_again, "the recovery")
    assert await opens(client, student, course.text_lesson)
    # Cancel at the period end and take it back: Stripe sends nothing, our call reads back.
    cancelled = await client.post(f"/api/memberships/{first['id']}/cancel", headers=student.bearer)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["access_until"] == cancelled.json()["paid_through"]
    v1 = localstripe.client().v1
    assert (await v1.subscriptions.retrieve_async(subscription_id)).cancel_at_period_end is True
    resumed = await client.post(f"/api/memberships/{first['id']}/resume", headers=student.bearer)
    assert resumed.json()["cancel_at_period_end"] is False
    assert (await v1.subscriptions.retrieve_async(subscription_id)).cancel_at_period_end is False
    # Deleted at Stripe: the webhook ends the membership, its playback and its keys.
    playing = (await start_lesson(client, student.bearer, course.video_lesson)).json()
    assert await key_status(client, student, playing["playlist_url"]) == 200
    await v1.subscriptions.cancel_async(subscription_id)

    async def ended() -> bool:
        return bool((await state())["status"] == "ended")

    await eventually(ended, "the deletion")
    assert await key_status(client, student, playing["playlist_url"]) == 403
    assert not await opens(client, student, course.text_lesson)
    again = await client.post(f"/api/memberships/{first['id']}/resume", headers=student.bearer)
    assert again.status_code == 409 and error_code(again) == "membership_not_active"


async def test_P9_stripes_events_again_in_reverse_or_twice_change_nothing(
    webhooks: None,
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    localstripe: LocalStripe,
    admin: SignedIn,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course.id])
    first = await joined(client, localstripe, student, plan["id"])
    subscription_id, customer_id = await subscription_of(db, first["id"])
    await bill(localstripe, customer_id, subscription_id, GOOD_CARD)
    await bill(localstripe, customer_id, subscription_id, AUTHENTICATION_CARD)
    await eventually(lambda: handled(db, "invoice.payment_failed", 1), "the failure")
    await eventually(lambda: handled(db, "invoice.payment_succeeded", 2), "the renewal")
    await asyncio.sleep(1.5)  # the rest of localstripe's deliveries

    def ours(evt: dict[str, Any]) -> bool:
        obj = evt["data"]["object"]
        return subscription_id in (obj.get("id"), obj.get("subscription"))

    stored = [doc["payload"] async for doc in db.webhook_events.find({})]
    log = [evt for evt in stored if ours(evt)]
    assert {e["type"] for e in log} >= {
        "customer.subscription.created",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
    }
    fields = ("status", "paid_through", "access_until", "invoices", "cancel_at_period_end")

    async def doc() -> dict[str, Any]:
        found = await db.memberships.find_one({"_id": first["id"]})
        assert found is not None
        return {name: found[name] for name in fields}

    settled = await doc()
    assert settled["status"] == "past_due"
    # The same events again: duplicates, answered and dropped (P2).
    for evt in log:
        body, headers = signed(evt)
        response = await client.post(WEBHOOK, content=body, headers=headers)
        assert response.status_code == 200 and response.json()["duplicate"] is True
    # As new events, newest first: handled, and the state is the same.
    for evt in reversed(log):
        body, headers = signed({**evt, "id": f"{evt['id']}_again"})
        assert (await client.post(WEBHOOK, content=body, headers=headers)).status_code == 200
    assert await doc() == settled
    assert len(await mails_once(db, settings, "receipt")) == 2


async def test_events_of_subscriptions_we_do_not_know_are_acknowledged_and_ignored(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    admin: SignedIn,
    student: SignedIn,
    course: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course.id])
    member = await joined(client, localstripe, student, plan["id"])
    # A subscription made on the same Stripe account by something else than us.
    v1 = localstripe.client().v1
    method = await card(localstripe, GOOD_CARD)
    customer = await v1.customers.create_async(
        params={"payment_method": method, "invoice_settings": {"default_payment_method": method}}
    )
    stripe_plan = (await db.membership_plans.find_one({"_id": plan["id"]}) or {})["stripe_prices"]
    foreign = await v1.subscriptions.create_async(
        params={"customer": customer.id, "items": [{"plan": next(iter(stripe_plan.values()))}]}
    )
    before = await snapshot_of(db)
    state_before = await db.memberships.find_one({"_id": member["id"]})
    for evt in [
        event("customer.subscription.deleted", {"id": "sub_nope", "object": "subscription"}),
        event("customer.subscription.deleted", {"id": foreign.id, "object": "subscription"}),
        event(
            "invoice.payment_failed",
            {"id": str(foreign.latest_invoice), "object": "invoice", "subscription": foreign.id},
        ),
        event("invoice.payment_failed", {"id": "in_nope", "object": "invoice"}),
    ]:
        body, headers = signed(evt)
        response = await client.post(WEBHOOK, content=body, headers=headers)
        assert response.status_code == 200, response.text
    assert await snapshot_of(db) == before
    assert await db.memberships.find_one({"_id": member["id"]}) == state_before
    assert await db.memberships.count_documents({"provider_subscription_id": foreign.id}) == 0


async def post_event(client: httpx.AsyncClient, evt: dict[str, Any]) -> httpx.Response:
    body, headers = signed(evt)
    return await client.post(WEBHOOK, content=body, headers=headers)


@pytest.mark.parametrize("fixed_periods", [False])  # Stripe's rule: an invoice's own period
async def test_P9_a_subscription_made_while_our_call_failed_is_adopted_an_outage_retried(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    admin: SignedIn,
    student: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = await make_plan(client, admin, courses=[course.id])
    made = providers.StripeSubscriptions.subscribe

    async def made_then_timed_out(self: Any, **kwargs: Any) -> str:
        await made(self, **kwargs)
        raise payment_errors.provider_error(TimeoutError("read timed out"))

    monkeypatch.setattr(providers.StripeSubscriptions, "subscribe", made_then_timed_out)
    method = await card(localstripe, GOOD_CARD)
    lost = await subscribe(client, student, plan["id"], payment_method=method)
    assert (lost.status_code, error_code(lost)) == (502, "payment_provider_error")
    # Stripe made (and charged) it: the membership waits for its events, not failed.
    stored = await db.memberships.find_one({})
    assert stored is not None and stored["status"] == "pending"
    assert "provider_subscription_id" not in stored
    listed = await localstripe.client().v1.subscriptions.list_async(
        params={"customer": stored["provider_customer_id"]}
    )
    [subscription] = listed.data
    assert subscription.metadata["membership_id"] == stored["_id"]
    mine = (await client.get("/api/me/memberships", headers=student.bearer)).json()
    assert [(m["id"], m["status"]) for m in mine["items"]] == [(stored["_id"], "pending")]
    again = await subscribe(client, student, plan["id"], payment_method=method)
    assert (again.status_code, error_code(again)) == (409, "already_member")
    # Its event comes while Stripe cannot be read: not 2xx, left unprocessed (P2)…
    read = providers.StripeSubscriptions.subscription
    reads = 0

    async def away_once(self: Any, **kwargs: Any) -> Any:
        nonlocal reads
        reads += 1
        if reads == 1:
            raise payment_errors.provider_error(ConnectionError("Stripe is away"))
        return await read(self, **kwargs)

    monkeypatch.setattr(providers.StripeSubscriptions, "subscription", away_once)
    created = event(
        "customer.subscription.created", {"id": subscription.id, "object": "subscription"}
    )
    refused = await post_event(client, created)
    assert (refused.status_code, error_code(refused)) == (502, "payment_provider_error")
    kept = await db.webhook_events.find_one({"_id": created["id"]})
    assert kept is not None and kept["processed_at"] is None
    # …so Stripe sends it again, and the membership is adopted.
    retried = await post_event(client, created)
    assert retried.status_code == 200, retried.text
    adopted = await membership(client, student, stored["_id"])
    assert adopted["status"] == "active"
    assert await opens(client, student, course.text_lesson)
    grant = await db.grants.find_one({"source": "membership", "source_id": stored["_id"]})
    assert grant is not None and grant["state"] == "active"
    # P10: an invoice paid for the period paid already (on Stripe a proration or a one-off
    # invoice; localstripe names the first period on every invoice) adds no time.
    v1 = localstripe.client().v1
    invoice = await v1.invoices.create_async(
        params={"customer": stored["provider_customer_id"], "subscription": subscription.id}
    )
    await v1.invoices.pay_async(invoice.id)
    paid = (await v1.invoices.retrieve_async(invoice.id)).to_dict()
    assert (await post_event(client, event("invoice.payment_succeeded", paid))).status_code == 200
    counted = await db.memberships.find_one({"_id": stored["_id"]})
    assert counted is not None and counted["invoices"][invoice.id]["paid"] is True
    assert (await membership(client, student, stored["_id"]))["paid_through"] == adopted[
        "paid_through"
    ]


async def test_P5_a_refunded_or_charged_back_membership_payment_takes_access_back(
    client: httpx.AsyncClient,
    db: Database,
    localstripe: LocalStripe,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, amount=4900, video_id=ready_video)
    assert course.video_lesson
    plan = await make_plan(client, admin, courses=[course.id])
    member = await joined(client, localstripe, student, plan["id"])
    # The charge that paid its invoice (Stripe sends its events; localstripe sends none).
    v1 = localstripe.client().v1
    subscription_id, _ = await subscription_of(db, member["id"])
    found = await v1.subscriptions.retrieve_async(subscription_id)
    invoice = (await v1.invoices.retrieve_async(str(found.latest_invoice))).to_dict()
    intent = (await v1.payment_intents.retrieve_async(invoice["payment_intent"])).to_dict()
    intent_id, charge_id = intent["id"], intent["latest_charge"]["id"]

    async def playing() -> str:
        started = await start_lesson(client, student.bearer, str(course.video_lesson))
        assert started.status_code == 201, started.text
        url = str(started.json()["playlist_url"])
        assert await key_status(client, student, url) == 200
        return url

    url = await playing()
    # A chargeback opens: access is taken back while it is open, and the key refused…
    dispute = {"id": "dp_member", "object": "dispute", "charge": charge_id}
    opened = event("charge.dispute.created", {**dispute, "status": "needs_response"})
    assert (await post_event(client, opened)).status_code == 200
    assert await key_status(client, student, url) == 403
    assert (await membership(client, student, member["id"]))["status"] == "ended"
    # …won, it comes back.
    won = event("charge.dispute.closed", {**dispute, "status": "won"})
    assert (await post_event(client, won)).status_code == 200
    assert (await membership(client, student, member["id"]))["status"] == "active"
    url = await playing()
    # Refunded in full: access ends for good, and the subscription bills nothing more.
    await v1.refunds.create_async(params={"charge": charge_id})
    refunded = event(
        "charge.refunded",
        {"id": charge_id, "object": "charge", "payment_intent": intent_id, "refunded": True},
    )
    assert (await post_event(client, refunded)).status_code == 200
    assert await key_status(client, student, url) == 403
    assert not await opens(client, student, course.text_lesson)
    ended = await membership(client, student, member["id"])
    assert ended["status"] == "ended" and ended["ended_at"] is not None
    assert (await v1.subscriptions.retrieve_async(subscription_id)).status == "canceled"
    grant = await db.grants.find_one({"source": "membership", "source_id": member["id"]})
    assert grant is not None and grant["state"] == "ended"
