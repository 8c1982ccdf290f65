"""The studio dashboard over HTTP (#28 item 2): revenue per ISO week and currency, new
students, who is watching now, completion per course and the lessons viewers leave early;
an instructor sees only their own courses, a student nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource
from coursevault.reports.dashboard import last_weeks
from tests.course_helpers import Clock, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in
from tests.membership_helpers import make_plan, member_of
from tests.sales_helpers import own_course, refund
from tests.test_engagement import BEAT, Viewer


async def dashboard(client: httpx.AsyncClient, who: SignedIn) -> dict[str, Any]:
    answer = await client.get("/api/reports/dashboard", headers=who.bearer)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("settings_overrides", [{"playback_heartbeat_seconds": BEAT}])
async def test_the_dashboard_counts_sales_students_viewers_completion_and_drop_offs(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    admin: SignedIn,
    ready_video: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 2-minute paid video course (the clip is scripted as 120 s) and a free text course.
    await db.videos.update_one({"_id": ready_video}, {"$set": {"duration": 120.0}})
    paid = await make_course(db, instructor.user, title="Paid", amount=3000, video_id=ready_video)
    free = await make_course(db, instructor.user, title="Free")
    assert paid.video_lesson
    time = Clock(monkeypatch)

    async def viewer() -> tuple[Viewer, str]:
        """A buyer of the paid course who starts its video; and their order."""
        time.reset()
        student = await signed_in(client, db, settings)
        order = await own_course(client, student, paid.id)
        started = await start_lesson(client, student.bearer, paid.video_lesson or "")
        assert started.status_code == 201, started.text
        return Viewer(client, student, started.json()["session_id"], time), order["id"]

    whole, _ = await viewer()  # watches to the end
    await whole.beat(*range(10, 121, 10))
    await whole.leave()
    half, half_order = await viewer()  # leaves after a minute; refunded later
    await half.beat(10, 20, 30, 40, 50, 60)
    await half.leave()
    time.reset()
    await refund(client, admin, half_order)

    # A buyer watching now, two students of the free course (one finished it), a member.
    buyer = await signed_in(client, db, settings)
    await own_course(client, buyer, paid.id)
    live = await start_lesson(client, buyer.bearer, paid.video_lesson)
    assert live.status_code == 201, live.text
    for done in (True, False):
        student = await signed_in(client, db, settings)
        enrolled = await client.post(f"/api/courses/{free.id}/enroll", headers=student.bearer)
        assert enrolled.status_code == 201, enrolled.text
        if done:
            marked = await client.put(
                f"/api/lessons/{free.text_lesson}/progress",
                json={"position": 0, "completed": True},
                headers=student.bearer,
            )
            assert marked.status_code == 200, marked.text
    plan = await make_plan(client, instructor, courses=[paid.id], month=900, currency="usd")
    await member_of(client, await signed_in(client, db, settings), plan["id"])

    # Another instructor's course, sold in euros, watched now: none of it shows.
    other = await signed_in(client, db, settings, role=Role.instructor)
    # (the clip is handed to them: a lesson plays one of its instructor's own videos)
    await db.videos.update_one({"_id": ready_video}, {"$set": {"owner_id": other.user.id}})
    theirs = await make_course(
        db, other.user, title="Theirs", amount=2000, currency="eur", video_id=ready_video
    )
    stranger = await signed_in(client, db, settings)
    await own_course(client, stranger, theirs.id)
    assert (
        await start_lesson(client, stranger.bearer, theirs.video_lesson or "")
    ).status_code == 201

    found = await dashboard(client, instructor)
    this_week = last_weeks(datetime.now(UTC))[-1].week
    assert [w["week"] for w in found["weeks"]][-1] == this_week and len(found["weeks"]) == 12
    # Three sales of 3000 (one refunded) and the member's first invoice of 900, in dollars.
    [usd] = found["revenue"]
    assert usd["currency"] == "usd" and usd["net"] == 3 * 3000 - 3000 + 900
    assert usd["weeks"][-1] == {
        "week": this_week,
        "paid": 3 * 3000 + 900,
        "refunded": 3000,
        "net": 3 * 3000 - 3000 + 900,
    }
    assert all(w["paid"] == 0 for w in usd["weeks"][:-1])
    assert [w["count"] for w in found["new_students"]] == [0] * 11 + [5]
    assert found["watching_now"] == 1
    courses = {c["title"]: c for c in found["courses"]}
    assert set(courses) == {"Paid", "Free"}
    assert courses["Paid"] | {"course_id": None} == {
        "course_id": None,
        "title": "Paid",
        "enrolled": 3,
        "finished": 0,
        "completion_rate": 0.0,
        "watching_now": 1,
    }
    assert (courses["Free"]["enrolled"], courses["Free"]["finished"]) == (2, 1)
    assert courses["Free"]["completion_rate"] == 0.5
    assert found["completion"] == {"enrolled": 5, "finished": 1, "completion_rate": 0.2}
    # Of the lesson's two views, one stopped before the last 10 seconds.
    assert found["drop_offs"] == [
        {
            "course_id": paid.id,
            "course_title": "Paid",
            "lesson_id": paid.video_lesson,
            "lesson_title": "Watch this",
            "views": 2,
            "stopped": 1,
            "share": 0.5,
        }
    ]

    # The other instructor sees their euro sale and their viewer only.
    their = await dashboard(client, other)
    assert [(r["currency"], r["net"]) for r in their["revenue"]] == [("eur", 2000)]
    assert [c["title"] for c in their["courses"]] == ["Theirs"]
    assert their["watching_now"] == 1 and their["drop_offs"] == []


async def test_students_are_those_a_course_is_open_to_now_members_included_staff_not(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    admin: SignedIn,
) -> None:
    course = await make_course(db, instructor.user, title="Paid", amount=3000)
    draft = await make_course(db, instructor.user, title="Draft", publish=False)
    people = [await signed_in(client, db, settings) for _ in range(6)]
    buyer, refunded, member, site_member, staff, earlier = people
    await own_course(client, buyer, course.id)
    await refund(client, admin, (await own_course(client, refunded, course.id))["id"])
    plan = await make_plan(client, instructor, courses=[course.id], currency="usd")
    await member_of(client, member, plan["id"])
    # The admin's site-wide plan opens the published course, never the draft.
    everything = await make_plan(client, admin, all_courses=True, title="Everything")
    await member_of(client, site_member, everything["id"])
    for course_id in (course.id, draft.id):
        await enrollments.grant(
            db=db,
            user_id=staff.user.id,
            source=GrantSource.staff,
            source_id=admin.user.id,
            course_id=course_id,
        )
    await own_course(client, earlier, course.id)
    three_weeks_ago = datetime.now(UTC) - timedelta(weeks=3)
    await db.grants.update_many(
        {"user_id": earlier.user.id}, {"$set": {"starts_at": three_weeks_ago}}
    )
    # The member finished the course (its one lesson).
    marked = await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=member.bearer,
    )
    assert marked.status_code == 200, marked.text

    found = await dashboard(client, instructor)
    courses = {c["title"]: (c["enrolled"], c["finished"]) for c in found["courses"]}
    # The buyer, both members and the buyer of three weeks ago; not the refunded buyer
    # nor the staff grant.
    assert courses == {"Paid": (4, 1), "Draft": (0, 0)}
    assert found["completion"] == {"enrolled": 4, "finished": 1, "completion_rate": 0.25}
    counts = [w["count"] for w in found["new_students"]]
    assert counts == [0] * 8 + [1, 0, 0, 3]


async def test_an_invoice_reported_without_a_currency_counts_in_the_plans(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn
) -> None:
    course = await make_course(db, instructor.user, title="Paid", amount=3000, currency="eur")
    plan = await make_plan(client, instructor, courses=[course.id], month=900, currency="eur")
    sold = await member_of(client, await signed_in(client, db, settings), plan["id"])
    stored = await db.memberships.find_one({"_id": sold["id"]})
    assert stored is not None and len(stored["invoices"]) == 1
    [invoice_id] = stored["invoices"]
    await db.memberships.update_one(
        {"_id": sold["id"]}, {"$set": {f"invoices.{invoice_id}.currency": ""}}
    )
    found = await dashboard(client, instructor)
    assert [(r["currency"], r["net"]) for r in found["revenue"]] == [("eur", 900)]


async def test_an_instructor_without_courses_gets_an_empty_dashboard(
    client: httpx.AsyncClient, instructor: SignedIn
) -> None:
    found = await dashboard(client, instructor)
    assert len(found["weeks"]) == 12
    assert found["revenue"] == [] and found["courses"] == [] and found["drop_offs"] == []
    assert [w["count"] for w in found["new_students"]] == [0] * 12
    assert found["watching_now"] == 0
    assert found["completion"] == {"enrolled": 0, "finished": 0, "completion_rate": 0.0}


async def test_students_and_visitors_are_refused(
    client: httpx.AsyncClient, student: SignedIn
) -> None:
    refused = await client.get("/api/reports/dashboard", headers=student.bearer)
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    anonymous = await client.get("/api/reports/dashboard")
    assert anonymous.status_code == 401 and error_code(anonymous) == "not_authenticated"


def test_the_weeks_are_iso_weeks_across_a_new_year() -> None:
    weeks = last_weeks(datetime(2027, 1, 6, 12, tzinfo=UTC))
    iso = [f"{year}-W{week:02d}" for year, week in ((2026, 53), (2027, 1), (2026, 43))]
    assert [w.week for w in weeks][-2:] == iso[:2]
    assert weeks[0].week == iso[2] and weeks[0].starts_on.isoweekday() == 1
