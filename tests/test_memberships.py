"""Membership plans and the local test subscriptions over HTTP: plans, subscribing at the
plan's own price (P8), what a membership opens and until when (P10), a member's own
memberships (P13), the money figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, Clock, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in
from tests.membership_helpers import (
    LONG_SESSIONS,
    at,
    key_status,
    mails_once,
    make_plan,
    member_of,
    membership,
    opens,
    simulate,
    snapshot_of,
    subscribe,
)

DAY = 24 * 3600.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return LONG_SESSIONS


@pytest.fixture
async def course_a(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Course A", amount=4900)


@pytest.fixture
async def course_b(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Course B", amount=4900)


async def test_plans_are_made_by_admins_and_instructors_and_listed_for_everyone(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    instructor: SignedIn,
    course_a: BuiltCourse,
    course_b: BuiltCourse,
) -> None:
    draft = await make_course(db, instructor.user, title="Draft", publish=False)
    site = await make_plan(client, admin, all_courses=True, month=1500, year=15000)
    own = await make_plan(
        client, instructor, courses=[course_a.id, draft.id], title="A only", month=None, year=9000
    )
    assert own["owner_id"] == instructor.user.id and own["course_ids"] == [course_a.id, draft.id]
    # The pricing page needs no sign-in: active plans, the published courses they open.
    page = (await client.get("/api/membership-plans")).json()
    assert page["provider"] == "local" and page["publishable_key"] is None
    listed = {p["id"]: p for p in page["items"]}
    assert [c["id"] for c in listed[own["id"]]["courses"]] == [course_a.id]
    assert {c["id"] for c in listed[site["id"]]["courses"]} >= {course_a.id, course_b.id}
    assert listed[site["id"]]["prices"]["year"] == {"amount": 15000, "currency": "eur"}
    # Each manager sees the plans they may change; an admin sees all of them.
    mine = (await client.get("/api/me/membership-plans", headers=instructor.bearer)).json()
    assert [p["id"] for p in mine] == [own["id"]]
    every = (await client.get("/api/me/membership-plans", headers=admin.bearer)).json()
    assert {p["id"] for p in every} == {own["id"], site["id"]}
    # An inactive plan leaves the pricing page (its manager still reads it).
    changed = await client.patch(
        f"/api/membership-plans/{own['id']}", json={"active": False}, headers=instructor.bearer
    )
    assert changed.status_code == 200 and changed.json()["active"] is False
    page = (await client.get("/api/membership-plans")).json()
    assert [p["id"] for p in page["items"]] == [site["id"]]
    assert (await client.get(f"/api/membership-plans/{own['id']}")).status_code == 404
    seen = await client.get(f"/api/membership-plans/{own['id']}", headers=instructor.bearer)
    assert seen.status_code == 200
    # A plan nobody joined can be deleted.
    deleted = await client.delete(f"/api/membership-plans/{own['id']}", headers=instructor.bearer)
    assert deleted.status_code == 204
    assert await db.membership_plans.count_documents({}) == 1


async def test_plan_refusals_change_nothing(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
) -> None:
    other = await signed_in(client, db, settings, role=Role.instructor)
    theirs = await make_course(db, other.user, title="Not yours", amount=100)
    plan = await make_plan(client, instructor, courses=[course_a.id])
    before = await snapshot_of(db)
    body = {"title": "X", "prices": {"month": {"amount": 500, "currency": "usd"}}}
    cases = [
        (student, {**body, "course_ids": [course_a.id]}, 403, "forbidden"),  # not an instructor
        (instructor, {**body, "all_courses": True}, 403, "forbidden"),  # admins only
        (instructor, {**body, "course_ids": [theirs.id]}, 422, "invalid_plan_courses"),
        (instructor, {**body, "course_ids": ["no-such-course"]}, 422, "invalid_plan_courses"),
        (admin, {**body, "course_ids": []}, 422, "validation_error"),  # no scope
        (admin, {**body, "all_courses": True, "prices": {}}, 422, "validation_error"),
        (admin, {**body, "all_courses": True, "prices": {"month": {"amount": 0}}}, 422, None),
    ]
    for who, sent, status, code in cases:
        response = await client.post("/api/membership-plans", json=sent, headers=who.bearer)
        assert response.status_code == status, (sent, response.text)
        if code:
            assert error_code(response) == code
    # Someone else's plan is not found; an instructor cannot widen theirs to the site.
    url = f"/api/membership-plans/{plan['id']}"
    for who, change, status, code in [
        (other, {"title": "Mine now"}, 404, "plan_not_found"),
        (instructor, {"all_courses": True}, 403, "forbidden"),
        (instructor, {"course_ids": [theirs.id]}, 422, "invalid_plan_courses"),
    ]:
        response = await client.patch(url, json=change, headers=who.bearer)
        assert (response.status_code, error_code(response)) == (status, code), response.text
    assert (await client.delete(url, headers=other.bearer)).status_code == 404
    assert await snapshot_of(db) == before
    stored = await db.membership_plans.find_one({"_id": plan["id"]})
    assert stored is not None and stored["course_ids"] == [course_a.id]
    assert stored["title"] == plan["title"] and not stored["all_courses"]


async def test_P8_a_membership_costs_the_plans_own_price_and_opens_its_courses_once_paid(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
    course_b: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course_a.id], month=900, year=9000)
    created = await subscribe(
        client,
        student,
        plan["id"],
        "year",
        amount=1,
        currency="jpy",
        price={"amount": 1, "currency": "jpy"},
        plan="another",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["amount"], body["currency"], body["interval"]) == (9000, "eur", "year")
    assert body["status"] == "pending" and body["provider"] == "local"
    assert body["checkout_url"] == f"/memberships/{body['id']}/checkout"
    ledger = await db.local_subscriptions.find_one({})
    assert ledger is not None and (ledger["amount"], ledger["currency"]) == (9000, "eur")
    # Nothing opens before the first payment, a declined one included.
    assert not await opens(client, student, course_a.text_lesson)
    declined = await simulate(client, student, body["id"], "decline")
    assert declined.status_code == 200 and declined.json()["status"] == "pending"
    assert not await opens(client, student, course_a.text_lesson)
    assert await mails_once(db, settings, "receipt") == []
    # Nothing was open: no "your courses stay open until…" notice.
    assert await mails_once(db, settings, "payment-failed") == []
    paid = (await simulate(client, student, body["id"], "pay")).json()
    assert paid["status"] == "active" and paid["checkout_url"] is None
    assert at(paid["paid_through"]) > at(paid["started_at"])
    assert await opens(client, student, course_a.text_lesson)
    assert not await opens(client, student, course_b.text_lesson)
    mine = (await client.get("/api/me/courses", headers=student.bearer)).json()
    assert [item["course"]["id"] for item in mine["items"]] == [course_a.id]
    again = await subscribe(client, student, plan["id"])
    assert again.status_code == 409 and error_code(again) == "already_member"
    assert await mails_once(db, settings, "receipt") == [f"{ledger['_id']}-in1"]
    listed = (await client.get("/api/me/memberships", headers=student.bearer)).json()
    assert [m["id"] for m in listed["items"]] == [body["id"]]


async def test_subscribing_to_a_bad_plan_or_interval_changes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
) -> None:
    monthly = await make_plan(client, admin, courses=[course_a.id], month=900)
    retired = await make_plan(client, admin, courses=[course_a.id], title="Old")
    await client.patch(
        f"/api/membership-plans/{retired['id']}", json={"active": False}, headers=admin.bearer
    )
    before = await snapshot_of(db)
    for plan_id, interval, status, code in [
        ("no-such-plan", "month", 404, "plan_not_found"),
        (retired["id"], "month", 404, "plan_not_found"),
        (monthly["id"], "year", 422, "interval_not_offered"),
        (monthly["id"], "week", 422, "validation_error"),
    ]:
        response = await subscribe(client, student, plan_id, interval)
        assert (response.status_code, error_code(response)) == (status, code)
    anonymous = await client.post(
        f"/api/membership-plans/{monthly['id']}/subscribe", json={"interval": "month"}
    )
    assert anonymous.status_code == 401
    assert await snapshot_of(db) == before


async def test_P10_a_member_of_plan_a_cannot_open_a_course_only_in_plan_b(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
    course_b: BuiltCourse,
) -> None:
    plan_a = await make_plan(client, admin, courses=[course_a.id], title="A")
    await make_plan(client, admin, courses=[course_b.id], title="B")
    await member_of(client, student, plan_a["id"])
    assert await opens(client, student, course_a.text_lesson)
    assert not await opens(client, student, course_b.text_lesson)
    playback = await client.post(
        f"/api/lessons/{course_b.text_lesson}/playback",
        json={"device": "t"},
        headers=student.bearer,
    )
    assert (playback.status_code, error_code(playback)) == (403, "not_enrolled"), playback.text


async def test_changing_a_plans_courses_reaches_its_members_at_once(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
    course_b: BuiltCourse,
) -> None:
    plan = await make_plan(client, instructor, courses=[course_a.id])
    await member_of(client, student, plan["id"])
    url = f"/api/membership-plans/{plan['id']}"
    both = await client.patch(
        url, json={"course_ids": [course_a.id, course_b.id]}, headers=instructor.bearer
    )
    assert both.status_code == 200, both.text
    assert await opens(client, student, course_b.text_lesson)
    await client.patch(url, json={"course_ids": [course_b.id]}, headers=instructor.bearer)
    assert not await opens(client, student, course_a.text_lesson)
    assert await opens(client, student, course_b.text_lesson)
    # A price change is for new members: the member keeps the price they pay.
    await client.patch(
        url, json={"prices": {"month": {"amount": 1900, "currency": "eur"}}}, headers=admin.bearer
    )
    mine = (await client.get("/api/me/memberships", headers=student.bearer)).json()
    assert mine["items"][0]["amount"] == 900
    # A plan that has had members is not deleted (it can be made inactive).
    refused = await client.delete(url, headers=instructor.bearer)
    assert refused.status_code == 409 and error_code(refused) == "plan_in_use"


async def test_a_plan_of_all_courses_opens_courses_published_later(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, all_courses=True)
    await member_of(client, student, plan["id"])
    later = await make_course(db, instructor.user, title="Published later", amount=2500)
    assert await opens(client, student, course_a.text_lesson)
    assert await opens(client, student, later.text_lesson)
    # A draft is not on sale: a site-wide plan does not open it, nor its page.
    draft = await make_course(db, instructor.user, title="Still a draft", publish=False)
    for url in (f"/api/lessons/{draft.text_lesson}", f"/api/courses/{draft.id}"):
        hidden = await client.get(url, headers=student.bearer)
        assert hidden.status_code == 404, hidden.text


async def test_P13_a_member_cancels_and_resumes_only_their_own_membership(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course_a.id])
    paid = await member_of(client, student, plan["id"])
    grace = timedelta(days=settings.membership_grace_days)
    assert at(paid["access_until"]) == at(paid["paid_through"]) + grace
    intruder = await signed_in(client, db, settings)
    before = await db.memberships.find_one({"_id": paid["id"]})
    for who in (intruder, admin):  # an admin reads it, but only its member changes it
        for action in ("cancel", "resume"):
            response = await client.post(
                f"/api/memberships/{paid['id']}/{action}", headers=who.bearer
            )
            assert response.status_code == 404 and error_code(response) == "membership_not_found"
        assert (await simulate(client, who, paid["id"], "delete")).status_code == 404
    seen = await client.get(f"/api/memberships/{paid['id']}", headers=intruder.bearer)
    assert seen.status_code == 404
    assert (
        await client.get(f"/api/memberships/{paid['id']}", headers=admin.bearer)
    ).status_code == 200
    assert await db.memberships.find_one({"_id": paid["id"]}) == before
    cancelled = await client.post(f"/api/memberships/{paid['id']}/cancel", headers=student.bearer)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    # Active until the end of the paid period, no grace beyond it.
    assert body["status"] == "active" and body["cancel_at_period_end"] is True
    assert body["access_until"] == body["paid_through"]
    assert await opens(client, student, course_a.text_lesson)
    resumed = (
        await client.post(f"/api/memberships/{paid['id']}/resume", headers=student.bearer)
    ).json()
    assert resumed["cancel_at_period_end"] is False
    assert at(resumed["access_until"]) > at(resumed["paid_through"])


async def test_P10_a_failed_renewal_keeps_access_for_the_grace_period_then_lapses(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = await make_plan(client, admin, courses=[course_a.id])
    time = Clock(monkeypatch)
    first = await member_of(client, student, plan["id"])
    renewed = (await simulate(client, student, first["id"], "renew")).json()
    assert at(renewed["paid_through"]) > at(first["paid_through"])
    grace = timedelta(days=settings.membership_grace_days)
    # A renewal failing while the period is still paid cuts none of it short: the grace
    # runs from the paid-through date.
    early = (await simulate(client, student, first["id"], "fail_renewal")).json()
    assert early["status"] == "past_due"
    assert at(early["access_until"]) == at(renewed["paid_through"]) + grace
    recovered = (await simulate(client, student, first["id"], "recover")).json()
    assert recovered["status"] == "active"
    # A failure after the paid period: the grace days from the failure.
    time.now = at(recovered["paid_through"]) + timedelta(days=1)
    failed = (await simulate(client, student, first["id"], "fail_renewal")).json()
    assert failed["status"] == "past_due"
    assert at(failed["access_until"]) == time.now + grace
    assert await opens(client, student, course_a.text_lesson)
    ledger = await db.local_subscriptions.find_one({})
    assert ledger is not None
    invoices = [inv["id"] for inv in ledger["invoices"]]
    assert await mails_once(db, settings, "receipt") == sorted(invoices[:3])
    assert await mails_once(db, settings, "payment-failed") == sorted(invoices[2:])
    # A second decline of the same invoice: the grace still counts from the first failure.
    time.advance(DAY)
    again = (await simulate(client, student, first["id"], "decline")).json()
    assert again["access_until"] == failed["access_until"]
    assert await mails_once(db, settings, "payment-failed") == sorted(invoices[2:])
    time.now = at(failed["access_until"]) + timedelta(seconds=1)  # no write, no job
    assert not await opens(client, student, course_a.text_lesson)
    lapsed = await membership(client, student, first["id"])
    assert lapsed["status"] == "ended" and lapsed["ended_at"] == failed["access_until"]
    stored = await db.memberships.find_one({"_id": first["id"]})
    assert stored is not None and stored["status"] == "past_due"  # nothing was written
    # Paying the open invoice later brings it back.
    recovered = (await simulate(client, student, first["id"], "recover")).json()
    assert recovered["status"] == "active"
    assert await opens(client, student, course_a.text_lesson)
    assert await mails_once(db, settings, "receipt") == sorted(invoices)


async def test_local_actions_out_of_turn_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course_a.id])
    created = (await subscribe(client, student, plan["id"])).json()
    for action in ("renew", "fail_renewal", "recover", "cancel_at_period_end"):
        response = await simulate(client, student, created["id"], action)
        assert response.status_code == 409 and error_code(response) == "local_action_not_allowed"
    cancel = await client.post(f"/api/memberships/{created['id']}/cancel", headers=student.bearer)
    assert cancel.status_code == 409 and error_code(cancel) == "membership_not_active"
    ledger = await db.local_subscriptions.find_one({})
    assert ledger is not None and ledger["status"] == "incomplete" and ledger["events"] == []
    await simulate(client, student, created["id"], "pay")
    # Cancelling at its period end, it is not invoiced again (Stripe ends it then).
    await client.post(f"/api/memberships/{created['id']}/cancel", headers=student.bearer)
    for action in ("renew", "fail_renewal"):
        response = await simulate(client, student, created["id"], action)
        assert (response.status_code, error_code(response)) == (409, "local_action_not_allowed")
    deleted = (await simulate(client, student, created["id"], "delete")).json()
    assert deleted["status"] == "ended"
    for action in ("pay", "renew", "delete"):
        assert (await simulate(client, student, created["id"], action)).status_code == 409


async def test_P10_deleting_a_membership_ends_playback_and_old_keys(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, amount=4900, video_id=ready_video)
    bought = await make_course(
        db, instructor.user, title="Bought", amount=100, video_id=ready_video
    )
    assert course.video_lesson and bought.video_lesson
    # A course bought on its own plays on after the membership ends.
    order = (await client.post(f"/api/courses/{bought.id}/checkout", headers=student.bearer)).json()
    await client.post(
        f"/api/payments/local/{order['order_id']}/complete",
        json={"outcome": "succeed"},
        headers=student.bearer,
    )
    plan = await make_plan(client, admin, courses=[course.id, bought.id])
    paid = await member_of(client, student, plan["id"])
    playing = (await start_lesson(client, student.bearer, course.video_lesson)).json()
    other = (await start_lesson(client, student.bearer, bought.video_lesson)).json()
    assert await key_status(client, student, playing["playlist_url"]) == 200
    ended = (await simulate(client, student, paid["id"], "delete")).json()
    assert ended["status"] == "ended" and ended["ended_at"] is not None
    assert await key_status(client, student, playing["playlist_url"]) == 403
    session = await db.playback_sessions.find_one({"_id": playing["session_id"]})
    assert session is not None and session["end_reason"] == "membership_ended"
    assert await key_status(client, student, other["playlist_url"]) == 200
    restart = await start_lesson(client, student.bearer, course.video_lesson)
    assert restart.status_code == 403
    grant = await db.grants.find_one({"source": "membership", "source_id": paid["id"]})
    assert grant is not None and grant["state"] == "ended"


async def test_P10_a_lapsed_member_replaying_a_key_url_is_refused(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    course = await make_course(db, instructor.user, amount=4900, video_id=ready_video)
    assert course.video_lesson
    plan = await make_plan(client, admin, courses=[course.id])
    time = Clock(monkeypatch)
    paid = await member_of(client, student, plan["id"])
    failed = (await simulate(client, student, paid["id"], "fail_renewal")).json()
    # Just before the grace ends the member still plays…
    time.now = at(failed["access_until"]) - timedelta(seconds=5)
    playing = (await start_lesson(client, student.bearer, course.video_lesson)).json()
    assert await key_status(client, student, playing["playlist_url"]) == 200
    time.advance(10)  # …and 10 s later the same key URL (and a new start) is refused
    assert await key_status(client, student, playing["playlist_url"]) == 403
    assert (await start_lesson(client, student.bearer, course.video_lesson)).status_code == 403


@pytest.mark.parametrize(
    "settings_overrides", [{"access_cache_seconds": 0, "refresh_token_ttl_seconds": 90 * 24 * 3600}]
)
async def test_money_figures_per_plan_and_overall(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    admin: SignedIn,
    instructor: SignedIn,
    course_a: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    own = await make_plan(client, instructor, courses=[course_a.id], month=1000, year=12000)
    site = await make_plan(client, admin, all_courses=True, month=500, currency="usd")
    members = [await signed_in(client, db, settings) for _ in range(4)]
    student = await signed_in(client, db, settings)
    time = Clock(monkeypatch)
    await member_of(client, members[0], own["id"])  # 1000 eur a month
    await member_of(client, members[1], own["id"], "year")  # 12000 eur a year: 1000 a month
    gone = await member_of(client, members[2], own["id"])
    await member_of(client, members[3], site["id"])  # 500 usd
    time.advance(31 * DAY)
    await simulate(client, members[2], gone["id"], "delete")
    overdue = (await client.get("/api/me/memberships", headers=members[0].bearer)).json()
    await simulate(client, members[0], overdue["items"][0]["id"], "fail_renewal")
    mine = (await client.get("/api/reports/money", headers=instructor.bearer)).json()["memberships"]
    assert [p["plan_id"] for p in mine["plans"]] == [own["id"]]
    figures = mine["plans"][0]
    assert figures["mrr"] == [{"currency": "eur", "amount": 1000}]
    assert (figures["active"], figures["past_due"]) == (1, 1)
    assert (figures["ended_last_30_days"], figures["active_30_days_ago"]) == (1, 3)
    assert figures["churn_30_days"] == pytest.approx(1 / 3)
    everything = (await client.get("/api/reports/money", headers=admin.bearer)).json()[
        "memberships"
    ]
    assert {p["plan_id"] for p in everything["plans"]} == {own["id"], site["id"]}
    overall = everything["overall"]
    assert overall["mrr"] == [
        {"currency": "eur", "amount": 1000},
        {"currency": "usd", "amount": 500},
    ]
    assert overall["active"] == 2 and overall["active_30_days_ago"] == 4
    assert (await client.get("/api/reports/money", headers=student.bearer)).status_code == 403


@pytest.mark.parametrize("settings_overrides", [{"env": "production", "mail_enabled": False}])
async def test_P13_production_without_stripe_sells_no_membership_and_has_no_test_checkout(
    client: httpx.AsyncClient,
    db: Database,
    admin: SignedIn,
    student: SignedIn,
    course_a: BuiltCourse,
) -> None:
    plan = await make_plan(client, admin, courses=[course_a.id])
    assert (await client.get("/api/membership-plans")).json()["provider"] is None
    before = await snapshot_of(db)
    refused = await subscribe(client, student, plan["id"])
    assert refused.status_code == 503 and error_code(refused) == "payments_not_configured"
    assert await snapshot_of(db) == before
    # A test membership left from development: its simulations do not exist here.
    now = datetime.now(UTC)
    await db.memberships.insert_one(
        {
            "_id": "left-over",
            "user_id": student.user.id,
            "plan_id": plan["id"],
            "plan_title": plan["title"],
            "interval": "month",
            "amount": 900,
            "currency": "eur",
            "provider": "local",
            "provider_subscription_id": "lsub_left_over",
            "created_at": now,
            "updated_at": now,
        }
    )
    simulated = await simulate(client, student, "left-over", "pay")
    assert simulated.status_code == 404 and error_code(simulated) == "not_found"
