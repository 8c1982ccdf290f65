"""Team seats over HTTP (#25): buying N seats, handing them out by email (links read from
the real mail), claims bound to the address, reassigning and releasing (the former
holder's keys stop), refunds that take the newest seats back; every refusal from the
outside, changing nothing (P5, P7, P12)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.jobs.models import JobContext
from coursevault.teams import jobs as team_jobs
from coursevault.teams import repo as teams_repo
from coursevault.teams import service as teams_service
from coursevault.teams.models import Seat
from tests.course_helpers import BuiltCourse, make_course
from tests.factories import SignedIn, error_code, signed_in
from tests.sales_helpers import (
    Died,
    assert_cut_off,
    assert_not_enrolled,
    claim_seat,
    claim_token,
    created,
    dies_once,
    my_course_ids,
    order_seats,
    own_course,
    pay,
    read_paid_order,
    reassign_seat,
    refund,
    snapshot,
    teams_of,
    watching,
)
from tests.smtp_server import MailServer


@pytest.fixture
def settings_overrides(smtp_overrides: dict[str, Any]) -> dict[str, Any]:
    return smtp_overrides


@pytest.fixture
async def manager(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    return await signed_in(client, db, settings, email="lead@example.com")


@pytest.fixture
async def course(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Team Training", amount=1500)


async def buy_seats(
    client: httpx.AsyncClient, who: SignedIn, course_id: str, quantity: int, **body: Any
) -> Any:
    """Buys QUANTITY seats and pays them; returns the order."""
    order = await order_seats(client, who, course_id, quantity, **body)
    return await pay(client, who, order["order_id"])


async def team_of(client: httpx.AsyncClient, who: SignedIn) -> Any:
    [team] = await teams_of(client, who)
    response = await client.get(f"/api/teams/{team['id']}", headers=who.bearer)
    assert response.status_code == 200, response.text
    return response.json()


async def assign(
    client: httpx.AsyncClient, who: SignedIn, team_id: str, email: str
) -> httpx.Response:
    return await client.post(
        f"/api/teams/{team_id}/seats", json={"email": email}, headers=who.bearer
    )


async def link_of(mail_server: MailServer, to: str, count: int = 1) -> str:
    mails = await mail_server.wait_for(to, count=count)
    assert mails[-1].subject == "Your seat for Team Training"
    return claim_token(mails[-1].body(), "seats/claim")


async def held_seat(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    manager: SignedIn,
    course_id: str,
    email: str,
) -> tuple[str, Any, SignedIn, str]:
    """MANAGER buys one seat and hands it to EMAIL, who claims it with the mailed link:
    (the team's id, the seat, its holder, the link's token)."""
    await buy_seats(client, manager, course_id, 1)
    team_id = (await team_of(client, manager))["id"]
    seat = await created(await assign(client, manager, team_id, email))
    holder = await signed_in(client, db, settings, email=email)
    token = await link_of(mail_server, email)
    assert (await claim_seat(client, holder, token)).status_code == 200
    return team_id, seat, holder, token


async def test_P7_seats_are_priced_by_the_server_and_buying_more_adds_to_the_team(
    client: httpx.AsyncClient, db: Database, manager: SignedIn, course: BuiltCourse
) -> None:
    order = await order_seats(client, manager, course.id, 3, amount=1, unit_amount=1)
    assert (order["amount"], order["currency"]) == (4500, "usd")
    paid = await pay(client, manager, order["order_id"])
    assert (paid["kind"], paid["quantity"], paid["course_id"]) == ("seats", 3, course.id)
    assert await my_course_ids(client, manager) == []  # buying seats is not holding one
    team = await team_of(client, manager)
    assert (team["course_id"], team["seats"], team["assigned"], team["members"]) == (
        course.id,
        3,
        0,
        [],
    )
    await buy_seats(client, manager, course.id, 2)
    assert (await team_of(client, manager))["seats"] == 5
    assert await db.teams.count_documents({}) == 1
    before = await snapshot(db)
    for quantity in (0, 1001, -1):
        bad = await client.post(
            f"/api/courses/{course.id}/seats/checkout",
            json={"quantity": quantity},
            headers=manager.bearer,
        )
        assert bad.status_code == 422 and error_code(bad) == "validation_error"
    assert await snapshot(db) == before


async def test_P12_seats_are_handed_out_by_email_and_claimed_by_that_address_only(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    manager: SignedIn,
    course: BuiltCourse,
) -> None:
    await buy_seats(client, manager, course.id, 2)
    team_id = (await team_of(client, manager))["id"]
    first = await assign(client, manager, team_id, "Ann@Example.com")
    assert first.status_code == 201, first.text
    assert (first.json()["email"], first.json()["state"]) == ("ann@example.com", "invited")
    assert (await assign(client, manager, team_id, "bob@example.com")).status_code == 201
    ann_token = await link_of(mail_server, "ann@example.com")
    bob_token = await link_of(mail_server, "bob@example.com")
    seat = await db.team_seats.find_one({"email": "ann@example.com"})
    assert seat is not None and seat["token_hash"] == hashlib.sha256(ann_token.encode()).hexdigest()
    assert ann_token not in str(await db.jobs.find().to_list())

    # More seats than bought, or the same address twice: 409, nothing changed, no mail.
    before = await snapshot(db)
    jobs_before = await db.jobs.count_documents({})
    full = await assign(client, manager, team_id, "carl@example.com")
    assert full.status_code == 409 and error_code(full) == "no_free_seat"
    assert full.json()["error"]["detail"] == {"seats": 2, "assigned": 2}
    twice = await assign(client, manager, team_id, "ann@example.com")
    assert twice.status_code == 409 and error_code(twice) == "seat_already_assigned"
    assert await snapshot(db) == before
    assert await db.jobs.count_documents({}) == jobs_before
    # Another seat manager may neither read nor change this team.
    other = await signed_in(client, db, settings)
    await buy_seats(client, other, course.id, 1)
    before = await snapshot(db)
    seat_id = first.json()["id"]
    for response in (
        await client.get(f"/api/teams/{team_id}", headers=other.bearer),
        await assign(client, other, team_id, "spy@example.com"),
        await reassign_seat(client, other, team_id, seat_id, "spy@example.com"),
        await client.delete(f"/api/teams/{team_id}/seats/{seat_id}", headers=other.bearer),
    ):
        assert response.status_code == 404 and error_code(response) == "team_not_found"
    # A seat of this team named under the other manager's own team is not found either.
    [theirs] = await teams_of(client, other)
    cross = await client.delete(f"/api/teams/{theirs['id']}/seats/{seat_id}", headers=other.bearer)
    assert cross.status_code == 404 and error_code(cross) == "seat_not_found"
    # An account with another address cannot claim Ann's seat, even with her link.
    stranger = await signed_in(client, db, settings, email="mallory@example.com")
    mismatch = await claim_seat(client, stranger, ann_token)
    assert mismatch.status_code == 403 and error_code(mismatch) == "seat_email_mismatch"
    unknown = await claim_seat(client, stranger, "not-a-real-token")
    assert unknown.status_code == 404 and error_code(unknown) == "seat_not_found"
    assert await snapshot(db) == before
    assert await my_course_ids(client, stranger) == []
    assert mail_server.to("carl@example.com") == [] and mail_server.to("spy@example.com") == []

    ann = await signed_in(client, db, settings, email="ann@example.com")
    claimed = await claim_seat(client, ann, ann_token)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["course_id"] == course.id and claimed.json()["team_id"] == team_id
    assert await my_course_ids(client, ann) == [course.id]
    [grant] = await db.grants.find({"user_id": ann.user.id}).to_list()
    assert (grant["source"], grant["source_id"]) == ("seat", seat_id)
    assert (await claim_seat(client, ann, ann_token)).status_code == 200  # again: nothing new
    assert await db.grants.count_documents({"user_id": ann.user.id}) == 1

    team = await team_of(client, manager)
    by_email = {m["email"]: m for m in team["members"]}
    assert by_email["ann@example.com"]["state"] == "claimed"
    assert by_email["ann@example.com"]["claimed_by"]["id"] == ann.user.id
    assert by_email["bob@example.com"]["state"] == "invited"
    assert by_email["bob@example.com"]["claimed_by"] is None

    # Released: its link answers 410 and nothing is granted.
    bob_seat = by_email["bob@example.com"]["id"]
    released = await client.delete(f"/api/teams/{team_id}/seats/{bob_seat}", headers=manager.bearer)
    assert released.status_code == 204
    bob = await signed_in(client, db, settings, email="bob@example.com")
    before = await snapshot(db)
    gone = await claim_seat(client, bob, bob_token)
    assert gone.status_code == 410 and error_code(gone) == "seat_released"
    assert await snapshot(db) == before
    assert (await team_of(client, manager))["assigned"] == 1
    assert (await assign(client, manager, team_id, "carl@example.com")).status_code == 201


async def test_P12_reassigning_a_seat_stops_the_former_holder_s_keys_at_once(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    instructor: SignedIn,
    manager: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(
        db, instructor.user, title="Team Training", amount=1500, video_id=ready_video
    )
    team_id, seat, first, first_token = await held_seat(
        client, db, settings, mail_server, manager, course.id, "first@example.com"
    )
    assert course.video_lesson
    key = await watching(client, first, course.video_lesson)
    [member] = (await team_of(client, manager))["members"]
    assert member["watching"] is True and member["last_watched_at"] is not None

    moved = await reassign_seat(client, manager, team_id, seat["id"], "second@example.com")
    assert moved.status_code == 200, moved.text
    assert (moved.json()["email"], moved.json()["state"]) == ("second@example.com", "invited")
    # The former holder's key is refused now, their session is over, the course is gone.
    await assert_cut_off(client, first, key)
    await assert_not_enrolled(client, first, course.video_lesson)
    before = await snapshot(db)
    stale = await claim_seat(client, first, first_token)
    assert stale.status_code == 410 and error_code(stale) == "seat_released"
    assert await snapshot(db) == before

    second = await signed_in(client, db, settings, email="second@example.com")
    assert (
        await claim_seat(client, second, await link_of(mail_server, "second@example.com"))
    ).status_code == 200
    assert await my_course_ids(client, second) == [course.id]
    [member] = (await team_of(client, manager))["members"]
    assert member["claimed_by"]["id"] == second.user.id and member["watching"] is False


async def test_P5_refunding_seats_takes_the_newest_assignments_back(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    manager: SignedIn,
    course: BuiltCourse,
) -> None:
    await buy_seats(client, manager, course.id, 1)
    more = await buy_seats(client, manager, course.id, 2)
    team_id = (await team_of(client, manager))["id"]
    holders = []
    for name in ("oldest", "middle", "newest"):
        email = f"{name}@example.com"
        assert (await assign(client, manager, team_id, email)).status_code == 201
        who = await signed_in(client, db, settings, email=email)
        assert (await claim_seat(client, who, await link_of(mail_server, email))).status_code == 200
        holders.append(who)

    admin = await signed_in(client, db, settings, role=Role.admin)
    await refund(client, admin, more["id"])  # 2 of the 3 seats go
    team = await team_of(client, manager)
    assert (team["seats"], team["assigned"]) == (1, 1)
    assert [m["email"] for m in team["members"]] == ["oldest@example.com"]
    assert [await my_course_ids(client, h) for h in holders] == [[course.id], [], []]
    full = await assign(client, manager, team_id, "another@example.com")
    assert full.status_code == 409 and error_code(full) == "no_free_seat"
    ended = await db.team_seats.find({"state": "revoked"}).to_list()
    assert sorted(s["email"] for s in ended) == ["middle@example.com", "newest@example.com"]
    [notice] = (await mail_server.wait_for("lead@example.com", count=3))[2:]
    assert notice.subject == "Your refund for Team Training"


async def test_P12_racing_assignments_never_hold_more_seats_than_were_bought(
    client: httpx.AsyncClient, db: Database, manager: SignedIn, course: BuiltCourse
) -> None:
    await buy_seats(client, manager, course.id, 2)
    team_id = (await team_of(client, manager))["id"]
    answers = await asyncio.gather(
        *(assign(client, manager, team_id, f"racer{n}@example.com") for n in range(6))
    )
    assert sorted(a.status_code for a in answers) == [201, 201, 409, 409, 409, 409]
    team = await team_of(client, manager)
    assert (team["seats"], team["assigned"], len(team["members"])) == (2, 2, 2)
    assert await db.team_seats.count_documents({}) == 2


async def held_seats(db: Database, team_id: str) -> list[str]:
    """The addresses holding a seat of the team, oldest assignment first."""
    cursor = db.team_seats.find({"team_id": team_id, "state": {"$in": ["invited", "claimed"]}})
    return [s["email"] for s in sorted(await cursor.to_list(), key=lambda s: s["assigned_at"])]


async def test_P12_refunds_fitting_the_team_at_once_take_back_only_the_excess(
    client: httpx.AsyncClient,
    db: Database,
    manager: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await buy_seats(client, manager, course.id, 6)
    team_id = (await team_of(client, manager))["id"]
    emails = [f"member{n}@example.com" for n in range(6)]
    for email in emails:
        assert (await assign(client, manager, team_id, email)).status_code == 201
    # A refund leaves 4 seats; its own fit and the fits of the webhooks that report it
    # (charge.refunded, a dispute) run at once, their writes slowed down.
    for name in ("end_seat", "give_back_seat"):
        real = getattr(teams_repo, name)

        async def slow(*, _real: Any = real, **kwargs: Any) -> Any:
            await asyncio.sleep(0.05)
            return await _real(**kwargs)

        monkeypatch.setattr(teams_repo, name, slow)
    await db.teams.update_one({"_id": team_id}, {"$set": {"seats": 4}})
    taken = await asyncio.gather(*(teams_service.fit(db=db, team_id=team_id) for _ in range(4)))
    assert sum(taken) == 2
    assert await held_seats(db, team_id) == emails[:4]
    team = await team_of(client, manager)
    assert (team["seats"], team["assigned"]) == (4, 4)
    assert await db.team_seats.count_documents({"state": "revoked"}) == 2


async def test_P12_one_address_racing_for_seats_gets_one(
    client: httpx.AsyncClient, db: Database, manager: SignedIn, course: BuiltCourse
) -> None:
    await buy_seats(client, manager, course.id, 5)
    team_id = (await team_of(client, manager))["id"]
    answers = await asyncio.gather(
        *(assign(client, manager, team_id, "same@example.com") for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    assert {error_code(a) for a in answers if a.status_code == 409} == {"seat_already_assigned"}
    assert await held_seats(db, team_id) == ["same@example.com"]
    team = await team_of(client, manager)
    assert (team["seats"], team["assigned"]) == (5, 1)
    # Moving another seat onto that address is refused too; released, the address may
    # hold a seat again.
    other = await created(await assign(client, manager, team_id, "other@example.com"))
    moved = await reassign_seat(client, manager, team_id, other["id"], "same@example.com")
    assert moved.status_code == 409 and error_code(moved) == "seat_already_assigned"
    [held] = [a.json() for a in answers if a.status_code == 201]
    released = await client.delete(
        f"/api/teams/{team_id}/seats/{held['id']}", headers=manager.bearer
    )
    assert released.status_code == 204
    assert (await assign(client, manager, team_id, "same@example.com")).status_code == 201


async def test_P12_a_refund_fitting_the_team_while_a_seat_is_being_assigned(
    client: httpx.AsyncClient,
    db: Database,
    manager: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await buy_seats(client, manager, course.id, 1)
    team_id = (await team_of(client, manager))["id"]
    real_insert = teams_repo.insert_seat

    async def refunded_meanwhile(*, db: Database, seat: Seat) -> None:
        # The seat is counted but not stored yet when the refund is recorded and fitted.
        await db.teams.update_one({"_id": seat.team_id}, {"$set": {"seats": 0}})
        await teams_service.fit(db=db, team_id=seat.team_id)
        await real_insert(db=db, seat=seat)

    monkeypatch.setattr(teams_repo, "insert_seat", refunded_meanwhile)
    late = await assign(client, manager, team_id, "late@example.com")
    assert late.status_code == 409 and error_code(late) == "no_free_seat"
    assert await held_seats(db, team_id) == []
    team = await team_of(client, manager)
    assert (team["seats"], team["assigned"]) == (0, 0)


@pytest.mark.parametrize("step", ["ensure_team", "fit"])
async def test_a_seat_order_whose_effect_died_counts_its_seats_once_when_read_again(
    client: httpx.AsyncClient,
    db: Database,
    manager: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    await buy_seats(client, manager, course.id, 2)
    # The payment is recorded, then the process dies in the order's effect: before the
    # seats are counted, or once they are.
    if step == "ensure_team":
        dies_once(monkeypatch, teams_repo, "ensure_team")
    else:
        dies_once(monkeypatch, teams_service, "fit", after=True)
    order = await order_seats(client, manager, course.id, 3)
    with pytest.raises(Died):
        await pay(client, manager, order["order_id"])
    # The order page (as a webhook sent again would) applies it again, once.
    await read_paid_order(client, manager, order["order_id"])
    team = await team_of(client, manager)
    assert team["seats"] == 5
    stored = await db.teams.find_one({"_id": team["id"]})
    assert stored is not None and stored["orders"][order["order_id"]]["quantity"] == 3


async def test_P3_a_payment_whose_metadata_names_other_seats_grants_none(
    client: httpx.AsyncClient, db: Database, manager: SignedIn, course: BuiltCourse
) -> None:
    order = await order_seats(client, manager, course.id, 3)
    stored = await db.orders.find_one({"_id": order["order_id"]})
    assert stored is not None
    # The provider's payment says 30 seats: the re-read does not match, nothing is granted.
    await db.local_payments.update_one(
        {"_id": stored["provider_payment_id"]}, {"$set": {"metadata.quantity": "30"}}
    )
    paid = await client.post(
        f"/api/payments/local/{order['order_id']}/complete", headers=manager.bearer
    )
    assert paid.status_code == 200 and paid.json()["state"] == "pending"
    assert await teams_of(client, manager) == []
    assert await db.teams.count_documents({}) == 0


async def test_P12_a_seat_moved_meanwhile_is_a_conflict_and_its_holder_keeps_it(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    manager: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team_id, seat, keeper, _ = await held_seat(
        client, db, settings, mail_server, manager, course.id, "keeper@example.com"
    )
    real_reassign = teams_repo.reassign

    async def changed_meanwhile(**kwargs: Any) -> Seat | None:
        await db.team_seats.update_one({"_id": seat["id"]}, {"$inc": {"version": 1}})
        return await real_reassign(**kwargs)

    monkeypatch.setattr(teams_repo, "reassign", changed_meanwhile)
    moved = await reassign_seat(client, manager, team_id, seat["id"], "newcomer@example.com")
    assert moved.status_code == 409 and error_code(moved) == "conflict"
    assert await my_course_ids(client, keeper) == [course.id]
    assert await held_seats(db, team_id) == ["keeper@example.com"]


@pytest.mark.parametrize("change", ["reassign", "release"])
async def test_P12_a_move_cut_short_after_the_seat_is_written_leaves_no_grant(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    manager: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    team_id, seat, holder, _ = await held_seat(
        client, db, settings, mail_server, manager, course.id, "holder@example.com"
    )
    url = f"/api/teams/{team_id}/seats/{seat['id']}"
    # The process dies right after the seat is written.
    if change == "reassign":
        dies_once(monkeypatch, teams_repo, "reassign", after=True)
        with pytest.raises(Died):
            await client.put(url, json={"email": "next@example.com"}, headers=manager.bearer)
    else:
        dies_once(monkeypatch, teams_repo, "end_seat", after=True)
        with pytest.raises(Died):
            await client.delete(url, headers=manager.bearer)
    assert await my_course_ids(client, holder) == []
    [grant] = await db.grants.find({"user_id": holder.user.id}).to_list()
    assert grant["state"] == "revoked"
    team = await team_of(client, manager)
    assert team["assigned"] == (1 if change == "reassign" else 0)


async def test_P12_a_mail_job_run_again_leaves_the_earlier_link_working(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    manager: SignedIn,
    course: BuiltCourse,
) -> None:
    await buy_seats(client, manager, course.id, 1)
    team_id = (await team_of(client, manager))["id"]
    seat = await created(await assign(client, manager, team_id, "twice@example.com"))
    first = await link_of(mail_server, "twice@example.com")
    # The job runs again (its first attempt was delivered, but the answer was lost).
    payload = {"seat_id": seat["id"], "version": 0}
    ctx = JobContext(db=db, settings=settings, job_id="again", attempt=2, payload=payload)
    await team_jobs.MAIL_INVITATION.handler(ctx)
    second = await link_of(mail_server, "twice@example.com", count=2)
    assert second != first
    holder = await signed_in(client, db, settings, email="twice@example.com")
    assert (await claim_seat(client, holder, first)).status_code == 200
    assert (await claim_seat(client, holder, second)).status_code == 200  # the same holder
    # Given to someone else: both of the former holder's links answer 410.
    moved = await reassign_seat(client, manager, team_id, seat["id"], "next@example.com")
    assert moved.status_code == 200, moved.text
    for token in (first, second):
        gone = await claim_seat(client, holder, token)
        assert gone.status_code == 410 and error_code(gone) == "seat_released"


async def test_P12_the_team_sees_what_a_holder_watched_since_claiming_only(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    instructor: SignedIn,
    manager: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(
        db, instructor.user, title="Team Training", amount=1500, video_id=ready_video
    )
    assert course.video_lesson
    # The holder bought the course and was watching it before getting a seat.
    holder = await signed_in(client, db, settings, email="keen@example.com")
    await own_course(client, holder, course.id)
    await watching(client, holder, course.video_lesson)
    await buy_seats(client, manager, course.id, 1)
    team_id = (await team_of(client, manager))["id"]
    assert (await assign(client, manager, team_id, "keen@example.com")).status_code == 201
    mails = await mail_server.wait_for("keen@example.com", count=2)  # a receipt, the seat
    [invitation] = [m for m in mails if m.subject == "Your seat for Team Training"]
    token = claim_token(invitation.body(), "seats/claim")
    assert (await claim_seat(client, holder, token)).status_code == 200
    [member] = (await team_of(client, manager))["members"]
    assert member["claimed_by"]["id"] == holder.user.id
    assert (member["watching"], member["last_watched_at"]) == (False, None)
    await watching(client, holder, course.video_lesson)  # since the claim
    [member] = (await team_of(client, manager))["members"]
    assert member["watching"] is True and member["last_watched_at"] is not None
