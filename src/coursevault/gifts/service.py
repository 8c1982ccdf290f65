"""Gift rules: a course bought for an email address, claimed once with a mailed link (P11).

The buyer pays an order of kind `gift` like any order. When it is paid, `after_order`
(payments calls it through `routers.ORDER_EFFECTS`) stores the gift and queues the
recipient's mail once; every later snapshot (refund, dispute, a won dispute) makes the
claimer's grant (source `gift`, versioned by the order like a course order's) follow it.
"""

from __future__ import annotations

import logging

from coursevault import clock
from coursevault.auth import service as auth
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource
from coursevault.gifts import errors, jobs, repo
from coursevault.gifts.models import (
    Gift,
    GiftCheckoutIn,
    GiftClaimer,
    GiftClaimRead,
    GiftRead,
    GiftState,
)
from coursevault.payments import access, orders
from coursevault.payments import checkout as payments
from coursevault.payments import errors as sale_errors
from coursevault.payments import service as money
from coursevault.payments.models import CheckoutRead, OrderKind, OrderState
from coursevault.tokens import token_hash

log = logging.getLogger("coursevault.gifts")


async def checkout(
    *, db: Database, settings: Settings, user: User, course: Document, gift_in: GiftCheckoutIn
) -> CheckoutRead:
    """Creates a gift order for COURSE at the course's price (P7); a coupon applies only if
    it is site-wide."""
    payments.refuse_unsold(course)
    if not settings.mail_enabled:
        raise sale_errors.mail_disabled("a gift")  # the claim link could not reach anyone
    purchase = payments.Purchase(
        kind=OrderKind.gift,
        title=course["title"],
        list_amount=course["price"]["amount"],
        currency=course["price"]["currency"],
        instructor_id=course["instructor_id"],
        course_id=course["_id"],
        fields={"recipient_email": gift_in.recipient_email, "gift_message": gift_in.message},
    )
    return await payments.place_order(
        db=db, settings=settings, user=user, purchase=purchase, coupon=gift_in.coupon
    )


# ---- what a gift order's snapshots do (payments calls it) --------------------------


async def after_order(
    *, db: Database, settings: Settings, order: Document, state: OrderState
) -> None:
    """Stores the gift of a paid order and mails its link once; makes the claimer's grant
    follow the order's latest snapshot (a refund or a dispute takes it back, P5)."""
    if not order["facts"].get("succeeded"):
        return  # nothing was paid: no gift yet
    await repo.ensure(
        db=db,
        gift=Gift(
            id=order["_id"],
            buyer_id=order["user_id"],
            course_id=order["course_id"],
            course_title=order["course_title"],
            recipient_email=order["recipient_email"],
            message=order.get("gift_message") or "",
            order_state=OrderState.pending.value,
            order_version=-1,
            created_at=order["created_at"],
        ),
    )
    gift = await repo.record_order(
        db=db, gift_id=order["_id"], state=state.value, version=order["version"]
    )
    if gift is None:
        return
    if gift.claimed_by is not None:
        await _follow(db=db, gift=gift, order=order)
    elif gift.order_state == OrderState.paid and gift.refund_requested_at is None:
        # Asked again by every snapshot applied (a snapshot applied again after a failure
        # included): queued once per gift.
        await jobs.queue_claim_link(db=db, settings=settings, gift_id=gift.id)


async def _follow(*, db: Database, gift: Gift, order: Document) -> bool:
    """Makes the claimer's grant follow snapshot ORDER (older snapshots never win, P4);
    returns whether the snapshot opens the course."""
    assert gift.claimed_by is not None
    active = money.derive_state(order) is OrderState.paid
    await access.follow_order(
        db=db,
        user_id=gift.claimed_by,
        course_id=gift.course_id,
        source=GrantSource.gift,
        order_id=gift.id,
        version=order["version"],
        active=active,
        reason="gift_revoked",
    )
    return active


# ---- claiming ------------------------------------------------------------------------


async def claim(*, db: Database, user: User, token: str) -> GiftClaimRead:
    """Claims the gift of TOKEN for USER: a grant of the course (source `gift`). Refused,
    changing nothing, when the link is unknown (404), the gift was claimed by another
    account (409), refunded or disputed (410), or USER already has the course (409, the
    gift stays unclaimed). USER's own claim again gives the grant again (a claim that died
    before its grant is completed) and answers as the first did."""
    hashed = token_hash(token)
    gift = await repo.by_token(db=db, token_hash=hashed)
    if gift is None:
        raise errors.gift_not_found()
    if gift.claimed_by == user.id:
        return await _grant(db=db, gift=gift)
    _claimable(gift)
    if await enrollments.owns(db=db, user_id=user.id, course_id=gift.course_id):
        raise errors.already_enrolled()  # a membership's grant ends: a member may claim it
    claimed = await repo.claim(
        db=db, gift_id=gift.id, token_hash=hashed, user_id=user.id, now=clock.now()
    )
    if claimed is None:  # claimed or refunded since it was read
        again = await repo.get(db=db, gift_id=gift.id)
        if again is None or not again.links_to(hashed):
            raise errors.gift_not_found()
        if again.claimed_by == user.id:  # by this account's other request
            return await _grant(db=db, gift=again)
        _claimable(again)
        raise errors.gift_already_claimed()
    log.info("gift claimed gift=%s user=%s course=%s", gift.id, user.id, gift.course_id)
    return await _grant(db=db, gift=claimed)


async def _grant(*, db: Database, gift: Gift) -> GiftClaimRead:
    """Gives the claimer of GIFT its grant, as its order stands (`410` if it is refunded
    or disputed by now)."""
    # The order is read after the claim was stored: a refund applied before this read is
    # seen here, one applied after it finds the claimer and takes the grant back itself.
    order = await orders.find(db=db, order_id=gift.id)
    if order is None or not await _follow(db=db, gift=gift, order=order):
        raise errors.gift_refunded()
    return GiftClaimRead(gift_id=gift.id, course_id=gift.course_id, course_title=gift.course_title)


def _claimable(gift: Gift) -> None:
    """Refuses a gift that cannot be claimed now."""
    if gift.claimed_by is not None:
        raise errors.gift_already_claimed()
    if gift.order_state != OrderState.paid or gift.refund_requested_at is not None:
        raise errors.gift_refunded()


# ---- the buyer's view ------------------------------------------------------------------


def _state(gift: Gift) -> GiftState:
    if gift.order_state == OrderState.refunded:
        return GiftState.refunded
    if gift.order_state == OrderState.disputed:
        return GiftState.disputed
    return GiftState.claimed if gift.claimed_by else GiftState.waiting


async def _reads(*, db: Database, gifts: list[Gift]) -> list[GiftRead]:
    claimers = await auth.get_users(
        db=db, user_ids=[g.claimed_by for g in gifts if g.claimed_by is not None]
    )
    reads = []
    for gift in gifts:
        who = claimers.get(gift.claimed_by) if gift.claimed_by else None
        reads.append(
            GiftRead(
                id=gift.id,
                order_id=gift.id,
                course_id=gift.course_id,
                course_title=gift.course_title,
                recipient_email=gift.recipient_email,
                message=gift.message,
                state=_state(gift),
                claimed_by=GiftClaimer(id=who.id, name=who.name, email=who.email) if who else None,
                claimed_at=gift.claimed_at,
                created_at=gift.created_at,
            )
        )
    return reads


async def mine(*, db: Database, user: User) -> list[GiftRead]:
    """The gifts USER bought, newest first."""
    return await _reads(db=db, gifts=await repo.of_buyer(db=db, buyer_id=user.id))


async def refund(*, db: Database, settings: Settings, user: User, gift_id: str) -> GiftRead:
    """Refunds a gift nobody claimed, at its buyer's request (a claimed gift is refunded
    by its instructor or an admin, through the order). Claims wait while it runs; one
    that failed lets them go on, one that was cut short may be asked again."""
    gift = await repo.get(db=db, gift_id=gift_id)
    if gift is None or gift.buyer_id != user.id:
        raise errors.gift_not_found()
    order = await orders.find(db=db, order_id=gift.id)
    if order is None:
        raise errors.gift_not_found()
    if gift.order_state != OrderState.refunded:
        if await repo.request_refund(db=db, gift_id=gift.id, now=clock.now()) is None:
            again = await repo.get(db=db, gift_id=gift.id)
            if again is not None and again.order_state != OrderState.refunded:
                _claimable(again)
        try:
            await orders.refund_for_buyer(db=db, settings=settings, buyer=user, order=order)
        except BaseException:  # a cancelled request too: claims must not wait forever
            stored = await orders.find(db=db, order_id=gift.id)
            if stored is None or not stored["facts"].get("refunded"):
                await repo.drop_refund_request(db=db, gift_id=gift.id)
            raise
    [read] = await _reads(db=db, gifts=[await repo.get(db=db, gift_id=gift.id) or gift])
    return read
