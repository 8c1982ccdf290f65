"""P9: a membership's state does not depend on the order its events arrive in.

A scenario is played through the local test checkout over HTTP (several invoices paid
and failed, a cancellation taken back, recovery, deletion), recording the provider's
state after every step and the events each step emitted. The recorded log is then
replayed into fresh memberships: in order, and in many shuffled orders with duplicates,
each event handled while the provider shows some state at or after the one that emitted
it (Stripe sends events late and at once; the handler reads the subscription again, so it
may see a later state), the last event always seeing the final state. Every replay must
end in exactly the state, facts and grant of the ordered one, which must be the state the
live membership reached. (hypothesis is not installed: seeded random permutations.)
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import random
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.memberships import events, repo
from coursevault.memberships.derive import InvoiceSnapshot, ProviderEvent, SubscriptionSnapshot
from coursevault.memberships.local import as_event
from coursevault.memberships.providers import local_invoice, local_snapshot
from coursevault.payments.models import Provider
from tests.course_helpers import make_course
from tests.factories import SignedIn, signed_in
from tests.membership_helpers import mails_once, make_plan, simulate, subscribe

SHUFFLES = 4  # seeded; with the ordered and the newest-first replays, six orders a scenario

SCENARIOS = {
    # Ends past due and cancelling, after a first run of failures and a recovery (a
    # subscription cancelling at its period end is not renewed: cancel comes after).
    "past_due": [
        "pay",
        "renew",
        "fail_renewal",
        "cancel",
        "decline",
        "resume",
        "recover",
        "renew",
        "fail_renewal",
        "decline",
        "cancel",
    ],
    # Ends deleted after a recovery, a cancellation taken back and a renewal.
    "deleted": ["pay", "fail_renewal", "recover", "cancel", "resume", "renew", "delete"],
    # Ends active: a failure, then recovery, then renewals.
    "active": ["decline", "pay", "fail_renewal", "recover", "renew", "renew"],
}


class History:
    """The provider as it was after step AT of the recording, under another subscription
    id (each replay is a membership of its own)."""

    name = Provider.local

    def __init__(self, states: list[Document], subscription_id: str) -> None:
        self.states = states
        self.subscription_id = subscription_id
        self.at = 0

    def _doc(self) -> Document:
        return {**copy.deepcopy(self.states[self.at]), "_id": self.subscription_id}

    async def subscription(self, *, subscription_id: str) -> SubscriptionSnapshot:
        assert subscription_id == self.subscription_id
        return local_snapshot(self._doc())

    async def invoice(self, *, invoice_id: str) -> InvoiceSnapshot:
        doc = self._doc()
        found = [inv for inv in doc["invoices"] if inv["id"] == invoice_id]
        assert found, f"{invoice_id} handled before the provider made it"
        return local_invoice(doc, found[0])


async def record(
    client: httpx.AsyncClient, db: Database, who: SignedIn, plan_id: str, steps: list[str]
) -> tuple[str, list[Document], list[tuple[ProviderEvent, int]]]:
    """Plays STEPS; returns the membership, the ledger after each step, and each event
    with the step that emitted it."""
    created = await subscribe(client, who, plan_id)
    assert created.status_code == 201, created.text
    membership_id = created.json()["id"]
    ledger = await db.local_subscriptions.find_one({"metadata.membership_id": membership_id})
    assert ledger is not None
    states, log = [ledger], []
    for number, step in enumerate(steps, start=1):
        if step in ("cancel", "resume"):
            response = await client.post(
                f"/api/memberships/{membership_id}/{step}", headers=who.bearer
            )
        else:
            response = await simulate(client, who, membership_id, step)
        assert response.status_code == 200, (step, response.text)
        ledger = await db.local_subscriptions.find_one({"_id": ledger["_id"]})
        assert ledger is not None
        log += [(as_event(doc), number) for doc in ledger["events"][len(states[-1]["events"]) :]]
        states.append(ledger)
    return membership_id, states, log


async def outcome(db: Database, membership_id: str) -> dict[str, Any]:
    """What a replay must agree on: the derived state, the facts, the grant."""
    doc = await db.memberships.find_one({"_id": membership_id})
    assert doc is not None
    grant = await db.grants.find_one({"source": "membership", "source_id": membership_id})
    names = ("status", "cancel_at_period_end", "started_at", "paid_through", "access_until")
    return {
        **{name: doc.get(name) for name in (*names, "ended_at", "invoices")},
        "grant": None
        if grant is None
        else {k: grant.get(k) for k in ("state", "starts_at", "ends_at", "scope_courses")},
    }


Wave = tuple[int, list[ProviderEvent]]  # the step the provider is at, events handled at once


async def replay(
    db: Database,
    settings: Settings,
    original: str,
    states: list[Document],
    waves: list[Wave],
    tag: str,
) -> dict[str, Any]:
    """A fresh membership like ORIGINAL before any event, fed WAVES one after the other,
    the events of a wave at once (handlers racing, as Stripe's deliveries do)."""
    source = await db.memberships.find_one({"_id": original})
    assert source is not None
    membership_id, subscription_id = f"{original}-{tag}", f"{states[0]['_id']}-{tag}"
    # A member of their own (one live membership per user and plan), with an address.
    member = await db.users.find_one({"_id": source["user_id"]})
    assert member is not None
    user_id = f"{member['_id']}-{tag}"
    await db.users.insert_one({**member, "_id": user_id, "email": f"{tag}-{member['email']}"})
    await db.memberships.insert_one(
        {
            **{k: v for k, v in source.items() if k not in ("invoices", "granted")},
            "_id": membership_id,
            "user_id": user_id,
            "live": True,
            "provider_subscription_id": subscription_id,
            "status": "pending",
            "cancel_at_period_end": False,
            "started_at": None,
            "paid_through": None,
            "access_until": None,
            "ended_at": None,
            "invoices": {},
            "version": 0,
        }
    )
    history = History(states, subscription_id)

    async def handle(event: ProviderEvent) -> None:
        membership = await repo.get_membership(db=db, membership_id=membership_id)
        assert membership is not None
        await events.apply(
            db=db,
            settings=settings,
            membership=membership,
            event=dataclasses.replace(event, subscription_id=subscription_id),
            provider=history,  # type: ignore[arg-type]
        )

    for at, batch in waves:
        history.at = at
        await asyncio.gather(*(handle(event) for event in batch))
    return await outcome(db, membership_id)


def in_order(log: list[tuple[ProviderEvent, int]]) -> list[Wave]:
    """Each event on its own, as soon as it is emitted."""
    return [(emitted, [event]) for event, emitted in log]


def shuffled(log: list[tuple[ProviderEvent, int]], last: int, rng: random.Random) -> list[Wave]:
    """LOG in a random order, some events twice, in waves of up to four at once, each
    wave seeing a provider state no older than the one that emitted its events, the
    provider's time never going back."""
    deliveries = log + rng.sample(log, k=rng.randint(0, len(log) // 3))
    rng.shuffle(deliveries)
    waves: list[Wave] = []
    now = 0
    while deliveries:
        size = rng.randint(1, 4)
        batch, deliveries = deliveries[:size], deliveries[size:]
        now = max(now, *(emitted for _, emitted in batch), rng.randint(0, last))
        waves.append((now, [event for event, _ in batch]))
    return waves


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_P9_any_order_of_the_same_events_gives_the_state_of_the_ordered_log(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn, scenario: str
) -> None:
    admin = await signed_in(client, db, settings, role=Role.admin)
    member = await signed_in(client, db, settings)
    course = await make_course(db, instructor.user, amount=4900)
    plan = await make_plan(client, admin, courses=[course.id])
    original, states, log = await record(client, db, member, plan["id"], SCENARIOS[scenario])
    kinds = {event.kind for event, _ in log}
    assert {"invoice.paid", "invoice.payment_succeeded", "customer.subscription.updated"} <= kinds
    last = len(states) - 1

    ordered = await replay(db, settings, original, states, in_order(log), "ordered")
    live = await outcome(db, original)
    assert ordered == live
    assert ordered["grant"] is not None

    rng = random.Random(f"memberships-{scenario}")
    schedules = [shuffled(log, last, rng) for _ in range(SHUFFLES)]
    # The recorded log against today's state, newest first, three at a time.
    newest_first = [event for event, _ in log][::-1]
    schedules.append([(last, newest_first[i : i + 3]) for i in range(0, len(newest_first), 3)])
    got = await asyncio.gather(
        *(
            replay(db, settings, original, states, waves, f"s{number}")
            for number, waves in enumerate(schedules)
        )
    )
    for waves, outcome_ in zip(schedules, got, strict=True):
        assert outcome_ == ordered, [(at, [(e.kind, e.invoice_id) for e in b]) for at, b in waves]

    # However many handlers and replays saw them, one mail per invoice.
    paid = sorted(inv["id"] for inv in states[-1]["invoices"] if inv["status"] == "paid")
    assert await mails_once(db, settings, "receipt") == paid
    failed = sorted(
        {e.invoice_id for e, _ in log if e.kind == "invoice.payment_failed" and e.invoice_id}
    )
    assert set(await mails_once(db, settings, "payment-failed")) <= set(failed)
    assert await mails_once(db, settings, "payment-failed")
