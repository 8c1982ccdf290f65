"""The money pages over HTTP (#25 item 6): one-time sales per order kind and currency (paid,
refunded, net, count) and membership figures; an instructor sees only their own, an admin
the whole site, a student nothing."""

from __future__ import annotations

from typing import Any

import httpx

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import make_course
from tests.factories import SignedIn, signed_in
from tests.membership_helpers import make_plan, member_of
from tests.sales_helpers import created, pay, refund


async def bought(client: httpx.AsyncClient, who: SignedIn, path: str, body: Any = None) -> Any:
    """Places an order at PATH (a checkout route) and pays it through the local checkout."""
    order = await created(await client.post(path, json=body, headers=who.bearer))
    return await pay(client, who, order["order_id"])


def by_kind(report: Any) -> dict[tuple[str, str], dict[str, int]]:
    return {
        (row["kind"], row["currency"]): {k: row[k] for k in ("orders", "paid", "refunded", "net")}
        for row in report["sales"]
    }


async def test_money_pages_an_instructor_sees_theirs_an_admin_everything_a_student_nothing(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn
) -> None:
    other = await signed_in(client, db, settings, role=Role.instructor)
    admin = await signed_in(client, db, settings, role=Role.admin)
    buyer = await signed_in(client, db, settings)
    one = await make_course(db, instructor.user, title="One", amount=3000)
    two = await make_course(db, instructor.user, title="Two", amount=4000)
    elsewhere = await make_course(db, other.user, title="Elsewhere", amount=2000, currency="eur")

    # The instructor's sales: a course, a bundle of both, a gift, three seats; one refund.
    await bought(client, buyer, f"/api/courses/{one.id}/checkout")
    bundle = await created(
        await client.post(
            "/api/bundles",
            json={
                "title": "Both",
                "course_ids": [one.id, two.id],
                "price": {"amount": 5000, "currency": "usd"},
                "published": True,
            },
            headers=instructor.bearer,
        )
    )
    gift_buyer = await signed_in(client, db, settings)
    await bought(client, gift_buyer, f"/api/bundles/{bundle['id']}/checkout")
    gift = await bought(
        client, buyer, f"/api/courses/{two.id}/gift", {"recipient_email": "friend@example.com"}
    )
    await bought(client, buyer, f"/api/courses/{one.id}/seats/checkout", {"quantity": 3})
    await refund(client, admin, gift["id"])
    # Another instructor's sale, in euros, and plans of theirs and of the admin.
    await bought(client, buyer, f"/api/courses/{elsewhere.id}/checkout")
    own_plan = await make_plan(client, instructor, courses=[one.id], month=900, currency="usd")
    await make_plan(client, other, courses=[elsewhere.id], month=700, title="Other plan")
    await member_of(client, await signed_in(client, db, settings), own_plan["id"])

    mine = await client.get("/api/reports/money", headers=instructor.bearer)
    assert mine.status_code == 200, mine.text
    report = mine.json()
    assert report["scope"] == "instructor"
    assert by_kind(report) == {
        ("course", "usd"): {"orders": 1, "paid": 3000, "refunded": 0, "net": 3000},
        ("bundle", "usd"): {"orders": 1, "paid": 5000, "refunded": 0, "net": 5000},
        ("gift", "usd"): {"orders": 1, "paid": 4000, "refunded": 4000, "net": 0},
        ("seats", "usd"): {"orders": 1, "paid": 9000, "refunded": 0, "net": 9000},
    }
    plans = report["memberships"]["plans"]
    assert [p["plan_id"] for p in plans] == [own_plan["id"]]
    assert plans[0]["mrr"] == [{"currency": "usd", "amount": 900}] and plans[0]["active"] == 1

    theirs = (await client.get("/api/reports/money", headers=other.bearer)).json()
    assert by_kind(theirs) == {
        ("course", "eur"): {"orders": 1, "paid": 2000, "refunded": 0, "net": 2000}
    }
    assert [p["title"] for p in theirs["memberships"]["plans"]] == ["Other plan"]
    assert theirs["memberships"]["overall"]["active"] == 0

    site = (await client.get("/api/reports/money", headers=admin.bearer)).json()
    assert site["scope"] == "site"
    assert by_kind(site) == {**by_kind(report), **by_kind(theirs)}
    assert len(site["memberships"]["plans"]) == 2
    assert site["memberships"]["overall"]["mrr"] == [{"currency": "usd", "amount": 900}]

    # A new instructor, with no course and no plan yet, gets an empty page.
    newcomer = await signed_in(client, db, settings, role=Role.instructor)
    empty = await client.get("/api/reports/money", headers=newcomer.bearer)
    assert empty.status_code == 200, empty.text
    assert empty.json()["sales"] == [] and empty.json()["memberships"]["plans"] == []

    refused = await client.get("/api/reports/money", headers=buyer.bearer)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert (await client.get("/api/reports/money")).status_code == 401
