"""Enrollment and the local test checkout over HTTP: orders, refunds, coupons, P3/P6."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from coursevault import clock
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.payments import repo as payments_repo
from tests.course_helpers import BuiltCourse, make_course, start_lesson, watch
from tests.factories import SignedIn, error_code, signed_in
from tests.sales_helpers import Died, dies_once


@pytest.fixture
async def paid_course(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Paid Course", amount=2500)


async def buy(client: httpx.AsyncClient, who: SignedIn, course: str, **body: Any) -> Any:
    created = await client.post(f"/api/courses/{course}/checkout", json=body, headers=who.bearer)
    assert created.status_code == 201, created.text
    return created.json()


async def pay(
    client: httpx.AsyncClient, who: SignedIn, order_id: str, outcome: str = "succeed"
) -> httpx.Response:
    return await client.post(
        f"/api/payments/local/{order_id}/complete", json={"outcome": outcome}, headers=who.bearer
    )


async def my_course_ids(client: httpx.AsyncClient, who: SignedIn) -> list[str]:
    body = (await client.get("/api/me/courses", headers=who.bearer)).json()
    return [item["course"]["id"] for item in body["items"]]


async def test_free_course_enrollment(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, student: SignedIn
) -> None:
    free = await make_course(db, instructor.user, title="Free Course")
    first = await client.post(f"/api/courses/{free.id}/enroll", headers=student.bearer)
    again = await client.post(f"/api/courses/{free.id}/enroll", headers=student.bearer)
    assert (first.status_code, again.status_code) == (201, 200)
    assert await my_course_ids(client, student) == [free.id]
    anonymous = await client.post(f"/api/courses/{free.id}/enroll")
    assert anonymous.status_code == 401


async def test_a_paid_course_cannot_be_enrolled_for_free(
    client: httpx.AsyncClient, student: SignedIn, paid_course: BuiltCourse
) -> None:
    response = await client.post(f"/api/courses/{paid_course.id}/enroll", headers=student.bearer)
    assert response.status_code == 402 and error_code(response) == "payment_required"
    assert await my_course_ids(client, student) == []


async def test_the_local_test_checkout_from_order_to_access(
    client: httpx.AsyncClient, student: SignedIn, paid_course: BuiltCourse
) -> None:
    order = await buy(client, student, paid_course.id)
    assert order["provider"] == "local"
    assert order["checkout_url"] == f"/checkout/{order['order_id']}"
    assert (order["amount"], order["currency"]) == (2500, "usd")
    pending = (await client.get(f"/api/orders/{order['order_id']}", headers=student.bearer)).json()
    assert pending["state"] == "pending"
    lesson = await client.get(f"/api/lessons/{paid_course.text_lesson}", headers=student.bearer)
    assert lesson.status_code == 403 and error_code(lesson) == "not_enrolled"
    paid = await pay(client, student, order["order_id"])
    assert paid.status_code == 200, paid.text
    assert paid.json()["state"] == "paid" and paid.json()["paid_at"] is not None
    assert await my_course_ids(client, student) == [paid_course.id]
    lesson = await client.get(f"/api/lessons/{paid_course.text_lesson}", headers=student.bearer)
    assert lesson.status_code == 200
    twice = await pay(client, student, order["order_id"])
    assert twice.status_code == 409 and error_code(twice) == "payment_not_open"
    again = await client.post(f"/api/courses/{paid_course.id}/checkout", headers=student.bearer)
    assert again.status_code == 409 and error_code(again) == "already_enrolled"


async def test_a_declined_test_payment_grants_nothing_and_can_be_retried(
    client: httpx.AsyncClient, db: Database, student: SignedIn, paid_course: BuiltCourse
) -> None:
    order = await buy(client, student, paid_course.id)
    declined = await pay(client, student, order["order_id"], outcome="decline")
    assert declined.json()["state"] == "failed"
    assert await my_course_ids(client, student) == []
    assert await db.grants.count_documents({}) == 0  # a declined card leaves nothing
    retried = await pay(client, student, order["order_id"])
    assert retried.json()["state"] == "paid"
    assert await my_course_ids(client, student) == [paid_course.id]


async def test_P3_a_tampered_price_or_course_at_checkout_changes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    paid_course: BuiltCourse,
) -> None:
    cheap = await make_course(db, instructor.user, title="Cheap", amount=100)
    order = await buy(
        client,
        student,
        paid_course.id,
        amount=1,
        price={"amount": 1, "currency": "usd"},
        currency="jpy",
        course_id=cheap.id,
    )
    assert (order["amount"], order["currency"]) == (2500, "usd")
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None and stored["course_id"] == paid_course.id
    # The provider's payment is for the server's amount too (what fulfil re-reads).
    payment = await db.local_payments.find_one({"_id": stored["provider_payment_id"]})
    assert payment is not None and payment["amount"] == 2500
    # A payment whose reported amount differs from the order never grants access.
    await db.local_payments.update_one({"_id": payment["_id"]}, {"$set": {"amount": 1}})
    paid = await pay(client, student, order["order_id"])
    assert paid.json()["state"] == "pending"
    assert await my_course_ids(client, student) == []


async def test_P6_the_success_page_grants_nothing_and_others_orders_are_404(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    student: SignedIn,
    paid_course: BuiltCourse,
) -> None:
    order = await buy(client, student, paid_course.id)
    for _ in range(3):  # visiting the order page (the "success page") again and again
        seen = await client.get(f"/api/orders/{order['order_id']}", headers=student.bearer)
        assert seen.json()["state"] == "pending"
    assert await my_course_ids(client, student) == []
    intruder = await signed_in(client, db, settings)
    for response in (
        await client.get(f"/api/orders/{order['order_id']}", headers=intruder.bearer),
        await pay(client, intruder, order["order_id"]),
    ):
        assert response.status_code == 404 and error_code(response) == "order_not_found"
    assert await my_course_ids(client, intruder) == []
    assert (await client.get(f"/api/orders/{order['order_id']}")).status_code == 401


@pytest.mark.parametrize("settings_overrides", [{"env": "production", "mail_enabled": False}])
async def test_production_without_stripe_refuses_the_test_checkout(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, student: SignedIn
) -> None:
    course = await make_course(db, instructor.user, amount=900)
    refused = await client.post(f"/api/courses/{course.id}/checkout", headers=student.bearer)
    assert refused.status_code == 503 and error_code(refused) == "payments_not_configured"
    assert await db.orders.count_documents({}) == 0
    complete = await client.post("/api/payments/local/whatever/complete", headers=student.bearer)
    assert complete.status_code == 404


async def test_P5_an_admin_refund_revokes_access_and_ends_playback(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, amount=2500, video_id=ready_video)
    order = await buy(client, student, course.id)
    await pay(client, student, order["order_id"])
    assert course.video_lesson is not None
    started = await client.post(
        f"/api/lessons/{course.video_lesson}/playback", headers=student.bearer
    )
    assert started.status_code == 201, started.text
    key = started.json()["playlist_url"].rsplit("/", 1)[0] + "/key"
    assert (await client.get(key, headers=student.bearer)).status_code == 200

    assert (
        await client.post(f"/api/admin/orders/{order['order_id']}/refund", headers=student.bearer)
    ).status_code == 404
    admin = await signed_in(client, db, settings, role=Role.admin)
    refunded = await client.post(
        f"/api/admin/orders/{order['order_id']}/refund", headers=admin.bearer
    )
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["state"] == "refunded"
    assert (await client.get(key, headers=student.bearer)).status_code == 403
    assert (await client.get("/api/me/playback", headers=student.bearer)).json()["items"] == []
    assert await my_course_ids(client, student) == []
    again = await client.post(
        f"/api/lessons/{course.video_lesson}/playback", headers=student.bearer
    )
    assert again.status_code == 403 and error_code(again) == "not_enrolled"
    listed = (
        await client.get("/api/admin/orders", params={"state": "refunded"}, headers=admin.bearer)
    ).json()
    assert [o["id"] for o in listed["items"]] == [order["order_id"]]
    stats = (await client.get(f"/api/courses/{course.id}/stats", headers=instructor.bearer)).json()
    assert stats["revenue"] == [{"currency": "usd", "paid": 2500, "refunded": 2500, "net": 0}]


async def test_instructors_refund_their_own_orders_within_the_window(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    paid_course: BuiltCourse,
) -> None:
    order = await buy(client, student, paid_course.id)
    await pay(client, student, order["order_id"])
    other = await signed_in(client, db, settings, role=Role.instructor)
    url = f"/api/admin/orders/{order['order_id']}/refund"
    assert (await client.post(url, headers=other.bearer)).status_code == 404
    await db.orders.update_one(
        {"_id": order["order_id"]},
        {
            "$set": {
                "paid_at": clock.now() - timedelta(days=settings.instructor_refund_window_days + 1)
            }
        },
    )
    late = await client.post(url, headers=instructor.bearer)
    assert late.status_code == 403 and error_code(late) == "refund_window_closed"
    await db.orders.update_one({"_id": order["order_id"]}, {"$set": {"paid_at": clock.now()}})
    done = await client.post(url, headers=instructor.bearer)
    assert done.status_code == 200 and done.json()["state"] == "refunded"
    unpaid = await buy(client, student, paid_course.id)
    refused = await client.post(
        f"/api/admin/orders/{unpaid['order_id']}/refund", headers=instructor.bearer
    )
    assert refused.status_code == 409 and error_code(refused) == "not_refundable"


async def test_coupons_discount_expire_and_run_out(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    paid_course: BuiltCourse,
) -> None:
    def coupon(code: str, **fields: Any) -> Any:
        return client.post(
            "/api/coupons",
            json={"code": code, "course_id": paid_course.id, **fields},
            headers=instructor.bearer,
        )

    assert (await coupon("HALF", kind="percent", value=50, max_redemptions=1)).status_code == 201
    assert (await coupon("FIVE", kind="fixed", value=500, currency="usd")).status_code == 201
    assert (await coupon("FREE", kind="percent", value=100)).status_code == 201
    past = (clock.now() - timedelta(days=1)).isoformat()
    assert (await coupon("OLD", kind="percent", value=10, expires_at=past)).status_code == 201
    assert (await coupon("HALF", kind="percent", value=10)).status_code == 409
    site_wide = await client.post(
        "/api/coupons",
        json={"code": "ALL", "kind": "percent", "value": 10},
        headers=instructor.bearer,
    )
    assert site_wide.status_code == 403

    buyers = [await signed_in(client, db, settings) for _ in range(4)]
    half = await buy(client, buyers[0], paid_course.id, coupon="half")
    assert half["amount"] == 1250
    used_up = await client.post(
        f"/api/courses/{paid_course.id}/checkout", json={"coupon": "HALF"}, headers=buyers[1].bearer
    )
    assert used_up.status_code == 422 and error_code(used_up) == "coupon_expired"
    expired = await client.post(
        f"/api/courses/{paid_course.id}/checkout", json={"coupon": "OLD"}, headers=buyers[1].bearer
    )
    assert expired.status_code == 422 and error_code(expired) == "coupon_expired"
    unknown = await client.post(
        f"/api/courses/{paid_course.id}/checkout", json={"coupon": "NOPE"}, headers=buyers[1].bearer
    )
    assert unknown.status_code == 422 and error_code(unknown) == "invalid_coupon"
    assert (await buy(client, buyers[1], paid_course.id, coupon="FIVE"))["amount"] == 2000
    free = await buy(client, buyers[2], paid_course.id, coupon="FREE")
    assert (free["amount"], free["provider"]) == (0, "coupon")
    assert await my_course_ids(client, buyers[2]) == [paid_course.id]


async def test_coupon_redemptions_hold_under_concurrency(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    paid_course: BuiltCourse,
) -> None:
    created = await client.post(
        "/api/coupons",
        json={
            "code": "RACE",
            "kind": "percent",
            "value": 20,
            "course_id": paid_course.id,
            "max_redemptions": 2,
        },
        headers=instructor.bearer,
    )
    assert created.status_code == 201
    buyers = [await signed_in(client, db, settings) for _ in range(6)]
    results = await asyncio.gather(
        *(
            client.post(
                f"/api/courses/{paid_course.id}/checkout", json={"coupon": "RACE"}, headers=b.bearer
            )
            for b in buyers
        )
    )
    assert sorted(r.status_code for r in results) == [201, 201, 422, 422, 422, 422]


async def test_progress_completion_resume_and_stats(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video)
    await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    assert course.video_lesson and course.preview_lesson
    half = await client.put(
        f"/api/lessons/{course.video_lesson}/progress",
        json={"position": 1.0},
        headers=student.bearer,
    )
    assert half.status_code == 200 and half.json()["completed"] is False
    progress = (
        await client.get(f"/api/courses/{course.id}/progress", headers=student.bearer)
    ).json()
    assert progress["resume"] == {"lesson_id": course.video_lesson, "position": 1.0}
    assert progress["percent"] == 0.0
    # Watching completes a video lesson (L1): the 2 s clip played at twice the speed.
    watching = await start_lesson(client, student.bearer, course.video_lesson)
    await watch(client, student.bearer, watching.json()["session_id"], to=2.0)
    await client.delete(f"/api/playback/{watching.json()['session_id']}", headers=student.bearer)
    await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    rewatch = await client.put(
        f"/api/lessons/{course.video_lesson}/progress",
        json={"position": 0.1},
        headers=student.bearer,
    )
    assert rewatch.json()["completed"] is True  # completion is kept
    progress = (
        await client.get(f"/api/courses/{course.id}/progress", headers=student.bearer)
    ).json()
    assert (progress["completed"], progress["total"]) == (2, 3)
    assert progress["percent"] == pytest.approx(66.7)
    assert progress["resume"] == {"lesson_id": course.preview_lesson, "position": 0.0}
    mine = (await client.get("/api/me/courses", headers=student.bearer)).json()["items"]
    assert mine[0]["percent"] == pytest.approx(66.7)
    stats = (await client.get(f"/api/courses/{course.id}/stats", headers=instructor.bearer)).json()
    assert (stats["enrollments"], stats["active_enrollments"]) == (1, 1)
    rates = {s["lesson_id"]: s["completion_rate"] for s in stats["lessons"]}
    assert rates == {course.video_lesson: 1.0, course.text_lesson: 1.0, course.preview_lesson: 0.0}
    outsider = await signed_in(client, db, settings)
    refused = await client.put(
        f"/api/lessons/{course.video_lesson}/progress",
        json={"position": 1},
        headers=outsider.bearer,
    )
    assert refused.status_code == 403 and error_code(refused) == "not_enrolled"
    bad = await client.put(
        f"/api/lessons/{course.video_lesson}/progress",
        json={"position": -5},
        headers=student.bearer,
    )
    assert bad.status_code == 422


async def test_P6_an_order_whose_handler_died_after_the_payment_is_granted_by_its_page(
    client: httpx.AsyncClient,
    db: Database,
    student: SignedIn,
    paid_course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = await buy(client, student, paid_course.id)
    # The success is recorded, then the process dies before the order's state is written.
    dies_once(monkeypatch, payments_repo, "set_state")
    with pytest.raises(Died):
        await pay(client, student, order["order_id"])
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None and stored["facts"]["succeeded"] and stored["state"] == "pending"
    assert await my_course_ids(client, student) == []
    # The success page reads the order: the payment is re-read, the order applied again.
    read = await client.get(f"/api/orders/{order['order_id']}", headers=student.bearer)
    assert read.status_code == 200 and read.json()["state"] == "paid"
    assert await my_course_ids(client, student) == [paid_course.id]
    [grant] = await db.grants.find({"user_id": student.user.id}).to_list()
    assert (grant["source"], grant["state"]) == ("order", "active")
