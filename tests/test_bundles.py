"""Bundles over HTTP (#25): the instructor's CRUD, the public page, one order for several
courses paid through the local test checkout, refunds that take every course back (P5,
P7)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.payments import orders
from coursevault.payments.models import OrderKind
from tests.course_helpers import BuiltCourse, make_course
from tests.factories import SignedIn, error_code, signed_in
from tests.sales_helpers import (
    assert_cut_off,
    assert_not_enrolled,
    created,
    my_course_ids,
    new_coupon,
    order_bundle,
    own_course,
    pay,
    refund,
    snapshot,
    watching,
)


@pytest.fixture
async def courses(db: Database, instructor: SignedIn) -> list[BuiltCourse]:
    return [
        await make_course(db, instructor.user, title="Python One", amount=3000),
        await make_course(db, instructor.user, title="Python Two", amount=4000),
    ]


async def new_bundle(
    client: httpx.AsyncClient, who: SignedIn, course_ids: list[str], **fields: Any
) -> httpx.Response:
    body = {
        "title": "Python Pair",
        "description": "Both courses",
        "course_ids": course_ids,
        "price": {"amount": 5000, "currency": "usd"},
        "published": True,
        **fields,
    }
    return await client.post("/api/bundles", json=body, headers=who.bearer)


async def test_an_instructor_defines_a_bundle_of_their_published_courses(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    courses: list[BuiltCourse],
) -> None:
    ids = [c.id for c in courses]
    draft = await created(await new_bundle(client, instructor, ids, published=False))
    assert (draft["instructor_id"], draft["course_ids"], draft["price"]["amount"]) == (
        instructor.user.id,
        ids,
        5000,
    )
    url = f"/api/bundles/{draft['id']}"
    # A draft bundle is the instructor's alone.
    assert (await client.get(url)).status_code == 404
    hidden = await client.get(url, headers=student.bearer)
    assert hidden.status_code == 404 and error_code(hidden) == "bundle_not_found"
    assert (await client.get(url, headers=instructor.bearer)).status_code == 200
    published = await client.patch(url, json={"published": True}, headers=instructor.bearer)
    assert published.status_code == 200 and published.json()["published"] is True
    page = (await client.get(url)).json()  # visitors, signed out
    assert [c["id"] for c in page["courses"]] == ids
    assert [c["title"] for c in page["courses"]] == ["Python One", "Python Two"]
    assert page["price"] == {"amount": 5000, "currency": "usd"}
    assert page["separate_amount"] == 7000 and page["instructor_name"] == "Test User"
    listed = (await client.get("/api/me/bundles", headers=instructor.bearer)).json()
    assert [b["id"] for b in listed] == [draft["id"]]

    # Refusals, each changing nothing.
    other = await signed_in(client, db, settings, role=Role.instructor)
    theirs = await make_course(db, other.user, title="Not Yours", amount=1000)
    unpublished = await make_course(db, instructor.user, title="Draft", amount=1000, publish=False)
    before = await snapshot(db)
    refused = await new_bundle(client, instructor, [ids[0], theirs.id])
    assert refused.status_code == 422 and error_code(refused) == "invalid_bundle"
    assert refused.json()["error"]["detail"]["reasons"] == [f"{theirs.id}: no such course of yours"]
    refused = await new_bundle(client, instructor, [ids[0], unpublished.id])
    assert refused.status_code == 422 and refused.json()["error"]["detail"]["reasons"] == [
        "Draft: not published"
    ]
    for bad in ([ids[0]], [ids[0], ids[0]]):
        response = await new_bundle(client, instructor, bad)
        assert response.status_code == 422 and error_code(response) == "validation_error"
    free = await new_bundle(client, instructor, ids, price={"amount": 0, "currency": "usd"})
    assert free.status_code == 422
    as_student = await new_bundle(client, student, ids)
    assert as_student.status_code == 403
    for response in (
        await client.patch(url, json={"title": "Mine now"}, headers=other.bearer),
        await client.delete(url, headers=other.bearer),
        await client.patch(url, json={"course_ids": [ids[0], theirs.id]}, headers=other.bearer),
    ):
        assert response.status_code == 404 and error_code(response) == "bundle_not_found"
    moved = await client.patch(
        url, json={"course_ids": [ids[0], theirs.id]}, headers=instructor.bearer
    )
    assert moved.status_code == 422
    assert await snapshot(db) == before
    assert (await client.get("/api/me/bundles", headers=other.bearer)).json() == []

    # An admin manages any bundle; deleting it leaves nothing behind.
    admin = await signed_in(client, db, settings, role=Role.admin)
    renamed = await client.patch(url, json={"title": "Python Duo"}, headers=admin.bearer)
    assert renamed.status_code == 200 and renamed.json()["title"] == "Python Duo"
    assert (await client.delete(url, headers=instructor.bearer)).status_code == 204
    assert (await client.get(url, headers=instructor.bearer)).status_code == 404


async def test_P7_one_order_at_the_bundles_price_grants_every_course(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    courses: list[BuiltCourse],
) -> None:
    ids = [c.id for c in courses]
    bundle = await created(await new_bundle(client, instructor, ids))
    checkout = f"/api/bundles/{bundle['id']}/checkout"
    order = await order_bundle(
        client,
        student,
        bundle["id"],
        amount=1,
        price={"amount": 1, "currency": "usd"},
        course_ids=[ids[0]],
    )
    assert (order["provider"], order["amount"], order["currency"]) == ("local", 5000, "usd")
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None
    assert (stored["kind"], stored["course_ids"], stored["bundle_id"]) == (
        "bundle",
        ids,
        bundle["id"],
    )
    payment = await db.local_payments.find_one({"_id": stored["provider_payment_id"]})
    assert payment is not None and payment["amount"] == 5000
    assert payment["metadata"]["kind"] == "bundle"
    assert await my_course_ids(client, student) == []

    paid = await pay(client, student, order["order_id"])
    assert (paid["state"], paid["kind"], paid["course_ids"], paid["course_id"]) == (
        "paid",
        "bundle",
        ids,
        None,
    )
    assert await my_course_ids(client, student) == sorted(ids)
    grants = await db.grants.find({"user_id": student.user.id}).to_list()
    assert sorted((g["source"], g["source_id"], g["course_id"]) for g in grants) == sorted(
        ("bundle", order["order_id"], c) for c in ids
    )
    mine = (await client.get("/api/me/orders", headers=student.bearer)).json()["items"]
    assert [(o["kind"], o["course_title"]) for o in mine] == [("bundle", "Python Pair")]

    # Every course is owned now: a second bundle order is refused, changing nothing.
    before = await snapshot(db)
    again = await client.post(checkout, headers=student.bearer)
    assert again.status_code == 409 and error_code(again) == "already_enrolled"
    assert await snapshot(db) == before
    # Someone owning one of the courses may still buy the bundle for the other.
    owner_of_one = await signed_in(client, db, settings)
    await own_course(client, owner_of_one, ids[0])
    await order_bundle(client, owner_of_one, bundle["id"])

    # Changing or deleting the bundle later changes nothing for its buyers.
    assert (
        await client.delete(f"/api/bundles/{bundle['id']}", headers=instructor.bearer)
    ).status_code == 204
    assert await my_course_ids(client, student) == sorted(ids)
    # Course revenue counts course orders; the bundle's are the bundle kind's.
    stats = (await client.get(f"/api/courses/{ids[0]}/stats", headers=instructor.bearer)).json()
    assert stats["revenue"] == [{"currency": "usd", "paid": 3000, "refunded": 0, "net": 3000}]
    by_kind = await orders.revenue_by_kind(db=db, instructor_id=instructor.user.id)
    assert [(r.kind, r.orders, r.paid, r.net) for r in by_kind] == [
        (OrderKind.bundle, 1, 5000, 5000),
        (OrderKind.course, 1, 3000, 3000),
    ]


async def test_P5_a_bundle_refund_takes_every_course_back_and_ends_playback(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    video_course = await make_course(db, instructor.user, amount=3000, video_id=ready_video)
    other_course = await make_course(db, instructor.user, title="Second", amount=3000)
    ids = [video_course.id, other_course.id]
    bundle = await created(await new_bundle(client, instructor, ids))
    order = await order_bundle(client, student, bundle["id"])
    await pay(client, student, order["order_id"])
    assert video_course.video_lesson
    key = await watching(client, student, video_course.video_lesson)

    # Another instructor cannot refund it; the bundle's instructor can, within the window.
    stranger = await signed_in(client, db, settings, role=Role.instructor)
    url = f"/api/admin/orders/{order['order_id']}/refund"
    assert (await client.post(url, headers=stranger.bearer)).status_code == 404
    await refund(client, instructor, order["order_id"])
    await assert_cut_off(client, student, key)
    grants = await db.grants.find({"user_id": student.user.id}).to_list()
    assert [g["state"] for g in grants] == ["revoked", "revoked"]
    await assert_not_enrolled(client, student, video_course.video_lesson)


async def test_only_site_wide_coupons_apply_to_a_bundle(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    courses: list[BuiltCourse],
) -> None:
    bundle = await created(await new_bundle(client, instructor, [c.id for c in courses]))
    admin = await signed_in(client, db, settings, role=Role.admin)
    course_coupon = {
        "code": "ONECOURSE",
        "kind": "percent",
        "value": 50,
        "course_id": courses[0].id,
    }
    site_coupon = {"code": "EVERYTHING", "kind": "percent", "value": 20}
    await new_coupon(client, instructor, course_coupon)
    await new_coupon(client, admin, site_coupon)
    checkout = f"/api/bundles/{bundle['id']}/checkout"
    before = await snapshot(db)
    refused = await client.post(checkout, json={"coupon": "ONECOURSE"}, headers=student.bearer)
    assert refused.status_code == 422 and error_code(refused) == "invalid_coupon"
    assert await snapshot(db) == before  # no order, the coupon not counted
    order = await order_bundle(client, student, bundle["id"], coupon="everything")
    assert order["amount"] == 4000


async def test_a_course_page_offers_the_bundles_on_sale_that_include_it(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    courses: list[BuiltCourse],
) -> None:
    third = await make_course(db, instructor.user, title="Python Three", amount=2500)
    ids = [c.id for c in courses]
    pair = await created(await new_bundle(client, instructor, ids))
    trio = await created(await new_bundle(client, instructor, [*ids, third.id], title="Trio"))
    await created(await new_bundle(client, instructor, ids, title="Draft", published=False))
    offers = await client.get(f"/api/courses/{courses[0].id}/bundles")  # no sign-in needed
    assert offers.status_code == 200, offers.text
    assert [(o["id"], o["course_count"], o["separate_amount"]) for o in offers.json()] == [
        (trio["id"], 3, 9500),
        (pair["id"], 2, 7000),
    ]
    # A bundle with a course no longer on sale is not offered; nor is a course no one sees.
    unpublished = await client.post(f"/api/courses/{third.id}/unpublish", headers=instructor.bearer)
    assert unpublished.status_code == 200, unpublished.text
    offers = await client.get(f"/api/courses/{courses[0].id}/bundles")
    assert [o["id"] for o in offers.json()] == [pair["id"]]
    assert (await client.get(f"/api/courses/{third.id}/bundles")).status_code == 404
    assert (await client.get("/api/courses/nope/bundles")).status_code == 404
