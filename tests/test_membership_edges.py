"""Memberships at their edges, over HTTP with the local test subscriptions: one membership
of a plan that may bill at a time (racing subscribes, a lapsed member cancelling theirs),
a receipt whose handler died (P8); a plan's courses reaching its members in the order of
the plan's versions (P10); a membership's grant is not owning a course (a member may
still buy it, a bundle of it, or claim it as a gift).

A module of its own: the embedded store slows down as a module's databases accumulate,
and these tests are cheap only while it is small."""

from __future__ import annotations

import asyncio
import time as wall
from datetime import timedelta
from typing import Any

import httpx
import pytest

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.enrollments import service as enrollments_service
from coursevault.mail import outbox
from coursevault.memberships import mails as membership_mails
from tests.course_helpers import BuiltCourse, Clock, make_course
from tests.factories import SignedIn, error_code, signed_in
from tests.membership_helpers import (
    LONG_SESSIONS,
    at,
    mails_once,
    make_plan,
    member_of,
    membership,
    opens,
    simulate,
    subscribe,
)
from tests.sales_helpers import Died, claim_gift, claim_token, dies_once, order_gift, pay


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return LONG_SESSIONS


@pytest.fixture
async def course_a(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Course A", amount=4900)


@pytest.fixture
async def course_b(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Course B", amount=4900)


async def test_P8_one_membership_of_a_plan_at_a_time_a_lapsed_one_cancelled_receipts_kept(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = await make_plan(client, admin, courses=[course_a.id])
    racing = await asyncio.gather(*(subscribe(client, student, plan["id"]) for _ in range(3)))
    assert sorted(r.status_code for r in racing) == [201, 409, 409]
    assert {error_code(r) for r in racing if r.status_code == 409} == {"already_member"}
    assert await db.memberships.count_documents({}) == 1
    assert await db.local_subscriptions.count_documents({}) == 1
    [created] = [r.json() for r in racing if r.status_code == 201]
    await simulate(client, student, created["id"], "pay")
    time = Clock(monkeypatch)
    failed = (await simulate(client, student, created["id"], "fail_renewal")).json()
    time.now = at(failed["access_until"]) + timedelta(seconds=1)
    assert (await membership(client, student, created["id"]))["status"] == "ended"
    # Lapsed, but its subscription may still bill: not a second one, and it can be
    # cancelled (at once: nothing is left to keep until a period end).
    again = await subscribe(client, student, plan["id"])
    assert (again.status_code, error_code(again)) == (409, "already_member")
    resume = await client.post(f"/api/memberships/{created['id']}/resume", headers=student.bearer)
    assert (resume.status_code, error_code(resume)) == (409, "membership_not_active")
    cancelled = await client.post(
        f"/api/memberships/{created['id']}/cancel", headers=student.bearer
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "ended"
    ledger = await db.local_subscriptions.find_one({})
    assert ledger is not None and ledger["status"] == "canceled"
    fresh = await subscribe(client, student, plan["id"])
    assert fresh.status_code == 201, fresh.text
    # Its payment is recorded, then the process dies before the receipt is queued…
    dies_once(monkeypatch, membership_mails, "announce")
    with pytest.raises(Died):
        await simulate(client, student, fresh.json()["id"], "pay")
    [paid] = (await db.local_subscriptions.find_one({"_id": {"$ne": ledger["_id"]}}) or {})[
        "invoices"
    ]
    receipts = await mails_once(db, settings, "receipt")
    assert paid["id"] not in receipts
    # …the next read of the subscription (here, a change made at the provider) sees the
    # paid invoice again: its receipt goes out, once however many reads follow.
    for action in ("cancel_at_period_end", "delete"):
        assert (await simulate(client, student, fresh.json()["id"], action)).status_code == 200
    assert await mails_once(db, settings, "receipt") == sorted([*receipts, paid["id"]])


async def test_a_plans_courses_reach_its_members_after_a_change_that_died_or_raced(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
    course_b: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = await make_plan(client, instructor, courses=[course_a.id])
    other = await signed_in(client, db, settings)
    first = await member_of(client, student, plan["id"])
    await member_of(client, other, plan["id"])
    url = f"/api/membership-plans/{plan['id']}"
    both = {"course_ids": [course_a.id, course_b.id]}
    # The plan is saved, then the process dies before its members' grants follow it.
    dies_once(monkeypatch, enrollments_service, "set_plan_scope")
    with pytest.raises(Died):
        await client.patch(url, json=both, headers=instructor.bearer)
    assert not await opens(client, student, course_b.text_lesson)
    # A member's next change (its grant written again) brings the plan's courses…
    cancelled = await client.post(f"/api/memberships/{first['id']}/cancel", headers=student.bearer)
    assert cancelled.status_code == 200, cancelled.text
    assert await opens(client, student, course_b.text_lesson)
    assert not await opens(client, other, course_b.text_lesson)
    # …and the plan's next change, whatever it is, writes everyone's.
    renamed = await client.patch(url, json={"title": "Renamed"}, headers=instructor.bearer)
    assert renamed.status_code == 200, renamed.text
    assert await opens(client, other, course_b.text_lesson)

    # Two changes racing, the older one's grants update running last: it changes nothing.
    real = enrollments_service.set_plan_scope
    versions: list[int] = []
    arrived, newer_done = asyncio.Event(), asyncio.Event()

    async def older_last(
        *, db: Database, plan_id: str, scope: enrollments_service.PlanScope, version: int
    ) -> int:
        versions.append(version)
        if len(versions) == 2:
            arrived.set()
        await arrived.wait()
        if version == min(versions):
            await newer_done.wait()
            return await real(db=db, plan_id=plan_id, scope=scope, version=version)
        changed = await real(db=db, plan_id=plan_id, scope=scope, version=version)
        newer_done.set()
        return changed

    monkeypatch.setattr(enrollments_service, "set_plan_scope", older_last)
    changes = await asyncio.gather(
        client.patch(url, json={"course_ids": [course_a.id]}, headers=instructor.bearer),
        client.patch(url, json={"course_ids": [course_b.id]}, headers=instructor.bearer),
    )
    assert [r.status_code for r in changes] == [200, 200]
    stored = await db.membership_plans.find_one({"_id": plan["id"]})
    assert stored is not None and len(stored["course_ids"]) == 1
    for who in (student, other):
        for course in (course_a, course_b):
            assert await opens(client, who, course.text_lesson) == (
                course.id in stored["course_ids"]
            )


async def test_a_member_may_still_buy_a_plans_course_or_claim_it_as_a_gift(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
    course_b: BuiltCourse,
) -> None:
    """A membership's grant ends: it is not owning the course (`already_enrolled` is for
    a course held for good)."""
    plan = await make_plan(client, admin, courses=[course_a.id, course_b.id])
    await member_of(client, student, plan["id"])
    body = {
        "title": "Both",
        "course_ids": [course_a.id, course_b.id],
        "price": {"amount": 7000, "currency": "eur"},
        "published": True,
    }
    bundle = await client.post("/api/bundles", json=body, headers=instructor.bearer)
    assert bundle.status_code == 201, bundle.text
    bundle_order = await client.post(
        f"/api/bundles/{bundle.json()['id']}/checkout", headers=student.bearer
    )
    assert bundle_order.status_code == 201, bundle_order.text
    course_order = await client.post(f"/api/courses/{course_a.id}/checkout", headers=student.bearer)
    assert course_order.status_code == 201, course_order.text
    await pay(client, student, course_order.json()["order_id"])
    owned = await client.post(f"/api/courses/{course_a.id}/checkout", headers=student.bearer)
    assert (owned.status_code, error_code(owned)) == (409, "already_enrolled")
    # A gift of the plan's other course, for the member: they may claim it.
    giver = await signed_in(client, db, settings)
    gift = await order_gift(client, giver, course_b.id, recipient_email=student.user.email)
    await pay(client, giver, gift["order_id"])
    deadline = wall.monotonic() + 10
    while not (
        links := [
            m.text
            for m in outbox.messages(settings.data_dir)
            if m.to == student.user.email and "/gifts/claim#token=" in m.text
        ]
    ):
        assert wall.monotonic() < deadline, "no gift mail"
        await asyncio.sleep(0.05)
    claimed = await claim_gift(client, student, claim_token(links[0], "gifts/claim"))
    assert claimed.status_code == 200, claimed.text
    grant = await db.grants.find_one({"user_id": student.user.id, "source": "gift"})
    assert grant is not None and grant["state"] == "active" and grant["ends_at"] is None
