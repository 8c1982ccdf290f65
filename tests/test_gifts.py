"""Gifts over HTTP (#25): a course bought for an email address, its claim link read from
the real mail, claimed once; refusals that change nothing; refunds before and after the
claim (P5, P7, P11)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import httpx
import pytest

from coursevault import clock
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.gifts import jobs as gift_jobs
from coursevault.jobs.models import JobContext
from coursevault.payments import orders as payment_orders
from coursevault.payments import providers
from coursevault.payments import repo as payments_repo
from coursevault.payments import service as money
from tests.course_helpers import BuiltCourse, make_course
from tests.factories import SignedIn, error_code, signed_in
from tests.sales_helpers import (
    Died,
    assert_cut_off,
    claim_gift,
    claim_token,
    confirm_email,
    dies_once,
    my_course_ids,
    new_coupon,
    order_gift,
    own_course,
    pay,
    read_paid_order,
    refund,
    snapshot,
    watching,
)
from tests.smtp_server import MailServer


@pytest.fixture
def settings_overrides(smtp_overrides: dict[str, Any]) -> dict[str, Any]:
    return smtp_overrides


@pytest.fixture
async def buyer(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    return await signed_in(client, db, settings, email="giver@example.com")


@pytest.fixture
async def course(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user, title="Watercolour <Basics>", amount=2500)


async def give(
    client: httpx.AsyncClient, buyer: SignedIn, course_id: str, to: str, **fields: Any
) -> Any:
    """Buys COURSE_ID for TO and pays it; returns the order."""
    order = await order_gift(client, buyer, course_id, recipient_email=to, **fields)
    return await pay(client, buyer, order["order_id"])


async def link_of(mail_server: MailServer, to: str, mails: int = 1) -> str:
    """The claim link mailed to TO, once TO has MAILS messages (a receipt of their own
    may come first or second)."""
    [mail] = [m for m in await mail_server.wait_for(to, mails) if m.subject.startswith("A gift")]
    return claim_token(mail.body(), "gifts/claim")


async def refund_gift(client: httpx.AsyncClient, who: SignedIn, gift_id: str) -> httpx.Response:
    """The buyer's own refund of an unclaimed gift."""
    return await client.post(f"/api/gifts/{gift_id}/refund", headers=who.bearer)


async def gifts_of(client: httpx.AsyncClient, who: SignedIn) -> list[Any]:
    response = await client.get("/api/me/gifts", headers=who.bearer)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_P11_a_gift_is_mailed_once_and_claimed_once(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
) -> None:
    await confirm_email(db, buyer)  # a confirmed buyer's name and message reach the mail
    order = await give(
        client,
        buyer,
        course.id,
        "Friend@Example.com",
        message="Happy birthday! <b>Paint</b> something.",
        amount=1,
    )
    assert (order["kind"], order["amount"], order["recipient_email"]) == (
        "gift",
        2500,
        "friend@example.com",
    )
    assert await my_course_ids(client, buyer) == []  # the buyer gets no access
    [mail] = await mail_server.wait_for("friend@example.com")
    assert mail.subject == "A gift for you: Watercolour <Basics>"
    text = mail.body()
    assert "Test User has given you" in text and "Happy birthday! <b>Paint</b> something." in text
    assert "&lt;b&gt;Paint&lt;/b&gt;" in mail.body("html")
    token = claim_token(text, "gifts/claim")
    # Only the hash is stored, and the queue never held the link.
    stored = await db.gifts.find_one({"_id": order["id"]})
    assert stored is not None and stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(await db.jobs.find().to_list())
    [receipt] = await mail_server.wait_for("giver@example.com")
    assert receipt.subject == "Your receipt for Watercolour <Basics>"
    assert "For: friend@example.com" in receipt.body()
    [waiting] = await gifts_of(client, buyer)
    assert (waiting["state"], waiting["claimed_by"], waiting["recipient_email"]) == (
        "waiting",
        None,
        "friend@example.com",
    )

    # Any signed-in account may claim with the link (the recipient's own, say).
    recipient = await signed_in(client, db, settings, email="friend.other@example.com")
    claimed = await claim_gift(client, recipient, token)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json() == {
        "gift_id": order["id"],
        "course_id": course.id,
        "course_title": "Watercolour <Basics>",
    }
    assert await my_course_ids(client, recipient) == [course.id]
    [grant] = await db.grants.find({"user_id": recipient.user.id}).to_list()
    assert (grant["source"], grant["source_id"], grant["state"]) == ("gift", order["id"], "active")
    [seen] = await gifts_of(client, buyer)
    assert seen["state"] == "claimed" and seen["claimed_at"] is not None
    assert seen["claimed_by"] == {
        "id": recipient.user.id,
        "name": "Test User",
        "email": "friend.other@example.com",
    }

    # The same account again answers as the first claim did, changing nothing; refusals
    # change nothing either: another account, an unknown link.
    before = await snapshot(db)
    again = await claim_gift(client, recipient, token)
    assert again.status_code == 200 and again.json() == claimed.json()
    intruder = await signed_in(client, db, settings)
    late = await claim_gift(client, intruder, token)
    assert late.status_code == 409 and error_code(late) == "gift_already_claimed"
    unknown = await claim_gift(client, intruder, "not-a-real-token")
    assert unknown.status_code == 404 and error_code(unknown) == "gift_not_found"
    anonymous = await client.post("/api/gifts/claim", json={"token": token})
    assert anonymous.status_code == 401
    # The buyer cannot take back a claimed gift, nor see (or refund) someone else's.
    mine = await refund_gift(client, buyer, order["id"])
    assert mine.status_code == 409 and error_code(mine) == "gift_already_claimed"
    theirs = await refund_gift(client, intruder, order["id"])
    assert theirs.status_code == 404 and error_code(theirs) == "gift_not_found"
    assert await gifts_of(client, intruder) == []
    assert await snapshot(db) == before
    assert await my_course_ids(client, intruder) == []

    # The success reported again (a webhook sent twice: the order is applied again) mails
    # nothing again and changes nothing.
    stored = await db.orders.find_one({"_id": order["id"]})
    assert stored is not None
    await money.fulfill(db=db, settings=settings, order=stored)
    assert await db.jobs.count_documents({"kind": gift_jobs.MAIL_CLAIM_LINK.kind}) == 1
    assert await snapshot(db) == before
    await asyncio.sleep(1)  # a second mail, had one been queued, would be out by now
    assert len(mail_server.to("friend@example.com")) == 1


async def test_P11_an_unconfirmed_buyer_s_name_and_message_never_reach_the_recipient(
    client: httpx.AsyncClient,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
) -> None:
    await give(client, buyer, course.id, "stranger@example.com", message="Call 555-0100 now")
    [mail] = await mail_server.wait_for("stranger@example.com")
    assert "555-0100" not in mail.body() and "Test User" not in mail.body()
    assert "You have been given" in mail.body()


async def test_an_unclaimed_gift_refunded_by_its_buyer_can_no_longer_be_claimed(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
) -> None:
    order = await give(client, buyer, course.id, "late@example.com")
    token = await link_of(mail_server, "late@example.com")
    refunded = await refund_gift(client, buyer, order["id"])
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["state"] == "refunded"
    stored = await db.orders.find_one({"_id": order["id"]})
    assert stored is not None and stored["state"] == "refunded"
    payment = await db.local_payments.find_one({"_id": stored["provider_payment_id"]})
    assert payment is not None and payment["refunded"] is True
    [notice] = [m for m in await mail_server.wait_for("giver@example.com", count=2)][1:]
    assert notice.subject == "Your refund for Watercolour <Basics>"

    recipient = await signed_in(client, db, settings, email="late@example.com")
    before = await snapshot(db)
    refused = await claim_gift(client, recipient, token)
    assert refused.status_code == 410 and error_code(refused) == "gift_refunded"
    assert await snapshot(db) == before
    assert await my_course_ids(client, recipient) == []
    again = await refund_gift(client, buyer, order["id"])
    assert again.status_code == 200 and again.json()["state"] == "refunded"  # idempotent
    [listed] = await gifts_of(client, buyer)
    assert listed["state"] == "refunded"


async def test_P5_refunding_a_claimed_gift_takes_the_course_back_and_stops_the_keys(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    instructor: SignedIn,
    buyer: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, amount=2500, video_id=ready_video)
    order = await give(client, buyer, course.id, "viewer@example.com")
    recipient = await signed_in(client, db, settings, email="viewer@example.com")
    assert (
        await claim_gift(client, recipient, await link_of(mail_server, "viewer@example.com"))
    ).status_code == 200
    assert course.video_lesson
    key = await watching(client, recipient, course.video_lesson)

    admin = await signed_in(client, db, settings, role=Role.admin)
    await refund(client, admin, order["id"])
    await assert_cut_off(client, recipient, key)
    [grant] = await db.grants.find({"user_id": recipient.user.id}).to_list()
    assert grant["state"] == "revoked"
    [listed] = await gifts_of(client, buyer)
    assert listed["state"] == "refunded" and listed["claimed_by"]["id"] == recipient.user.id


async def test_gift_refusals_at_checkout(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    instructor: SignedIn,
    buyer: SignedIn,
    course: BuiltCourse,
) -> None:
    free = await make_course(db, instructor.user, title="Free one")
    before = await snapshot(db)
    refused = await client.post(
        f"/api/courses/{free.id}/gift",
        json={"recipient_email": "a@example.com"},
        headers=buyer.bearer,
    )
    assert refused.status_code == 409 and error_code(refused) == "course_is_free"
    for body in (
        {"recipient_email": "not-an-address"},
        {"recipient_email": "a@example.com", "message": "x" * 501},
    ):
        bad = await client.post(f"/api/courses/{course.id}/gift", json=body, headers=buyer.bearer)
        assert bad.status_code == 422 and error_code(bad) == "validation_error"
    assert await snapshot(db) == before
    course_coupon = {"code": "GIFTNOT", "kind": "percent", "value": 50, "course_id": course.id}
    await new_coupon(client, instructor, course_coupon)
    before = await snapshot(db)
    coupon = await client.post(
        f"/api/courses/{course.id}/gift",
        json={"recipient_email": "a@example.com", "coupon": "GIFTNOT"},
        headers=buyer.bearer,
    )
    assert coupon.status_code == 422 and error_code(coupon) == "invalid_coupon"
    assert await snapshot(db) == before
    # An account that already has the course leaves the gift unclaimed for someone else.
    order = await give(client, buyer, course.id, "owner@example.com")
    owner = await signed_in(client, db, settings, email="owner@example.com")
    await own_course(client, owner, course.id)
    token = await link_of(mail_server, "owner@example.com", mails=2)  # and the receipt
    before = await snapshot(db)
    has_it = await claim_gift(client, owner, token)
    assert has_it.status_code == 409 and error_code(has_it) == "already_enrolled"
    assert await snapshot(db) == before
    [listed] = await gifts_of(client, buyer)
    assert listed["id"] == order["id"] and listed["state"] == "waiting"


async def test_P11_of_two_accounts_claiming_at_once_one_gets_the_course(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
) -> None:
    await give(client, buyer, course.id, "shared@example.com")
    token = await link_of(mail_server, "shared@example.com")
    rivals = [await signed_in(client, db, settings) for _ in range(4)]
    answers = await asyncio.gather(*(claim_gift(client, who, token) for who in rivals))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    owners = [who for who in rivals if await my_course_ids(client, who) == [course.id]]
    assert len(owners) == 1
    assert await db.grants.count_documents({"source": "gift"}) == 1


async def test_a_gift_whose_effect_died_is_mailed_once_when_its_order_is_read_again(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The payment is recorded, then the process dies before the gift's mail is queued.
    dies_once(monkeypatch, gift_jobs, "queue_claim_link")
    order = await order_gift(client, buyer, course.id, recipient_email="later@example.com")
    with pytest.raises(Died):
        await pay(client, buyer, order["order_id"])
    # The order page (as a webhook sent again would) applies the paid order again: the
    # link goes out, once however often the order is read.
    await read_paid_order(client, buyer, order["order_id"])
    token = await link_of(mail_server, "later@example.com")
    await asyncio.sleep(1)
    assert len(mail_server.to("later@example.com")) == 1
    assert await db.gifts.count_documents({}) == 1
    recipient = await signed_in(client, db, settings, email="later@example.com")
    assert (await claim_gift(client, recipient, token)).status_code == 200
    assert await my_course_ids(client, recipient) == [course.id]


@pytest.mark.parametrize(
    "where", ["before the payment is recorded", "after it, before the gift is mailed"]
)
async def test_a_free_gift_whose_checkout_died_is_completed_by_its_order_page(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    admin = await signed_in(client, db, settings, role=Role.admin)
    await new_coupon(client, admin, {"code": "FREEGIFT", "kind": "percent", "value": 100})
    if where.startswith("before"):
        dies_once(monkeypatch, payments_repo, "record_facts")
    else:
        dies_once(monkeypatch, gift_jobs, "queue_claim_link")
    body = {"recipient_email": "free@example.com", "coupon": "FREEGIFT"}
    with pytest.raises(Died):
        await client.post(f"/api/courses/{course.id}/gift", json=body, headers=buyer.bearer)
    [listed] = (await client.get("/api/me/orders", headers=buyer.bearer)).json()["items"]
    assert (listed["amount"], listed["provider"]) == (0, "coupon")
    read = await client.get(f"/api/orders/{listed['id']}", headers=buyer.bearer)
    assert read.status_code == 200 and read.json()["state"] == "paid"
    assert (
        await client.get(f"/api/orders/{listed['id']}", headers=buyer.bearer)
    ).status_code == 200
    await link_of(mail_server, "free@example.com")
    await asyncio.sleep(1)
    assert len(mail_server.to("free@example.com")) == 1
    stored = await db.coupons.find_one({"code": "FREEGIFT"})
    assert stored is not None and stored["redemptions"] == 1


async def test_a_gift_refund_cut_short_lets_claims_go_on_and_may_be_asked_again(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = await give(client, buyer, course.id, "patient@example.com")
    token = await link_of(mail_server, "patient@example.com")
    # The refund's request is cut short (cancelled) at the provider: claims do not wait for
    # ever, and the gift is not refunded.
    dies_once(monkeypatch, providers.LocalProvider, "refund")
    with pytest.raises(Died):
        await refund_gift(client, buyer, order["id"])
    stored = await db.gifts.find_one({"_id": order["id"]})
    assert stored is not None and stored["refund_requested_at"] is None
    [listed] = await gifts_of(client, buyer)
    assert listed["state"] == "waiting"

    # A process that died once the refund was asked leaves the request behind: claims
    # wait (410), and the buyer may ask again, which refunds it.
    await db.gifts.update_one({"_id": order["id"]}, {"$set": {"refund_requested_at": clock.now()}})
    recipient = await signed_in(client, db, settings, email="patient@example.com")
    waiting = await claim_gift(client, recipient, token)
    assert waiting.status_code == 410 and error_code(waiting) == "gift_refunded"
    again = await refund_gift(client, buyer, order["id"])
    assert again.status_code == 200, again.text
    assert again.json()["state"] == "refunded"
    stored_order = await db.orders.find_one({"_id": order["id"]})
    assert stored_order is not None and stored_order["state"] == "refunded"
    assert await my_course_ids(client, recipient) == []


async def test_P11_a_claim_cut_short_before_its_grant_is_completed_by_claiming_again(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = await give(client, buyer, course.id, "unlucky@example.com")
    token = await link_of(mail_server, "unlucky@example.com")
    recipient = await signed_in(client, db, settings, email="unlucky@example.com")
    # The claim is stored, then the process dies before the grant is written.
    dies_once(monkeypatch, payment_orders, "find")
    with pytest.raises(Died):
        await claim_gift(client, recipient, token)
    assert await my_course_ids(client, recipient) == []
    again = await claim_gift(client, recipient, token)
    assert again.status_code == 200, again.text
    assert again.json()["gift_id"] == order["id"]
    assert await my_course_ids(client, recipient) == [course.id]
    other = await signed_in(client, db, settings)
    late = await claim_gift(client, other, token)
    assert late.status_code == 409 and error_code(late) == "gift_already_claimed"
    # Once refunded, the claimer's own claim again is refused and grants nothing.
    admin = await signed_in(client, db, settings, role=Role.admin)
    await refund(client, admin, order["id"])
    gone = await claim_gift(client, recipient, token)
    assert gone.status_code == 410 and error_code(gone) == "gift_refunded"
    assert await my_course_ids(client, recipient) == []


async def test_P11_a_mail_job_run_again_leaves_the_earlier_link_working(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    buyer: SignedIn,
    course: BuiltCourse,
) -> None:
    order = await give(client, buyer, course.id, "twice@example.com")
    first = await link_of(mail_server, "twice@example.com")
    # The job runs again (its first attempt was delivered, but the answer was lost): it
    # mails a new link, and the one delivered first still claims the gift.
    ctx = JobContext(
        db=db, settings=settings, job_id="again", attempt=2, payload={"gift_id": order["id"]}
    )
    await gift_jobs.MAIL_CLAIM_LINK.handler(ctx)
    mails = await mail_server.wait_for("twice@example.com", count=2)
    second = claim_token(mails[1].body(), "gifts/claim")
    assert second != first
    recipient = await signed_in(client, db, settings, email="twice@example.com")
    assert (await claim_gift(client, recipient, first)).status_code == 200
    # Claimed: every link of it is used up.
    other = await signed_in(client, db, settings)
    late = await claim_gift(client, other, second)
    assert late.status_code == 409 and error_code(late) == "gift_already_claimed"
