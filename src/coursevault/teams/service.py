"""Team seat rules: buying seats, what a seat order's snapshots do, claiming a seat (P12).

The buyer of N seats of a course is their seat manager: every seat order of the same
buyer and course adds to one team. `after_order` (payments calls it through
`routers.ORDER_EFFECTS`) counts an order's seats while it is paid; a refund or dispute
removes them, and if more seats are held than remain, the most recently assigned lose
theirs. Handing seats out is `seats.py`.
"""

from __future__ import annotations

import logging

from coursevault import clock
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource
from coursevault.payments import access
from coursevault.payments import checkout as payments
from coursevault.payments import errors as sale_errors
from coursevault.payments.models import CheckoutRead, OrderKind, OrderState
from coursevault.teams import errors, repo
from coursevault.teams.models import Seat, SeatClaimRead, SeatsCheckoutIn, SeatState
from coursevault.tokens import token_hash

log = logging.getLogger("coursevault.teams")


async def checkout(
    *, db: Database, settings: Settings, user: User, course: Document, seats_in: SeatsCheckoutIn
) -> CheckoutRead:
    """Creates an order for QUANTITY seats at the course's price times QUANTITY (P7); a
    coupon applies (once, to the total) only if it is site-wide."""
    payments.refuse_unsold(course)
    if not settings.mail_enabled:
        raise sale_errors.mail_disabled("a seat")  # seats are handed out by mail
    purchase = payments.Purchase(
        kind=OrderKind.seats,
        title=course["title"],
        list_amount=course["price"]["amount"] * seats_in.quantity,
        currency=course["price"]["currency"],
        instructor_id=course["instructor_id"],
        course_id=course["_id"],
        fields={"quantity": seats_in.quantity, "unit_amount": course["price"]["amount"]},
    )
    return await payments.place_order(
        db=db, settings=settings, user=user, purchase=purchase, coupon=seats_in.coupon
    )


# ---- what a seat order's snapshots do (payments calls it) ----------------------------


async def after_order(
    *, db: Database, settings: Settings, order: Document, state: OrderState
) -> None:
    """Counts the order's seats in its buyer's team while it is paid; when a refund or a
    dispute leaves fewer seats than are held, the newest holders lose theirs."""
    if not order["facts"].get("succeeded"):
        return  # nothing was paid: no seats
    team = await repo.ensure_team(
        db=db,
        manager_id=order["user_id"],
        course_id=order["course_id"],
        course_title=order["course_title"],
        now=clock.now(),
    )
    await repo.record_order(
        db=db,
        team_id=team.id,
        order_id=order["_id"],
        quantity=order["quantity"],
        active=state is OrderState.paid,
        version=order["version"],
    )
    await fit(db=db, team_id=team.id)


async def fit(*, db: Database, team_id: str) -> int:
    """Takes seats back, newest assignment first, until no more are held than the team
    has; returns how many were taken back.

    Each seat is first taken off the count in one conditional write (only while more are
    held than the team has), then ended: fits racing (an admin's refund and Stripe's
    `charge.refunded`) never end more seats than the excess. A seat someone else ended
    meanwhile (a release, another fit) was taken off the count by them: this one's is put
    back. A seat counted but not stored yet (an assignment under way) is put back too; the
    assignment runs `fit` once its seat is stored."""
    taken = 0
    while await repo.take_off_excess(db=db, team_id=team_id):
        newest = await repo.newest_seat(db=db, team_id=team_id)
        if newest is None:
            await repo.count_again(db=db, team_id=team_id)
            return taken
        # The grant goes before the seat does, so a crash in between leaves none behind.
        await take_back(db=db, seat=newest, reason="seats_refunded")
        ended = await repo.end_seat(
            db=db, seat_id=newest.id, state=SeatState.revoked, now=clock.now()
        )
        if ended is None:  # ended by someone else, who took it off the count
            await repo.count_again(db=db, team_id=team_id)
            continue
        await take_back(db=db, seat=ended, reason="seats_refunded")  # a claim in between
        taken += 1
    return taken


async def take_back(*, db: Database, seat: Seat, reason: str) -> None:
    """Takes back the grant of SEAT's holder and ends their sessions on the course (P12);
    the key check refuses their next key at once. Safe to run again."""
    await access.take_back_source(db=db, source=GrantSource.seat, source_id=seat.id, reason=reason)


# ---- claiming a seat -----------------------------------------------------------------


async def claim(*, db: Database, user: User, token: str) -> SeatClaimRead:
    """Claims the seat of TOKEN for USER, whose address must be the one it is held for
    (P12). Refused, changing nothing: an unknown link (404), a seat released or given to
    someone else (410), another address (403), a seat another account claimed (409)."""
    hashed = token_hash(token)
    seat = await repo.by_token(db=db, token_hash=hashed)
    if seat is None:
        raise errors.seat_not_found()
    if not seat.links_to(hashed) or seat.state not in (SeatState.invited, SeatState.claimed):
        raise errors.seat_released()
    if user.email != seat.email:
        raise errors.seat_email_mismatch()
    team = await repo.get_team(db=db, team_id=seat.team_id)
    if team is None:
        raise errors.seat_not_found()
    if seat.state is SeatState.invited:
        claimed = await repo.claim(
            db=db, seat_id=seat.id, token_hash=hashed, user_id=user.id, now=clock.now()
        )
        if claimed is None:  # claimed, released or reassigned since it was read
            return await claim(db=db, user=user, token=token)
        seat = claimed
    elif seat.user_id != user.id:
        raise errors.seat_already_claimed()
    await enrollments.grant(
        db=db,
        user_id=user.id,
        source=GrantSource.seat,
        source_id=seat.id,
        course_id=seat.course_id,
    )
    # A reassignment or release that ran between the claim and the grant took back the
    # grants it found, before this one existed: read the seat again after the grant.
    now_held = await repo.get_seat(db=db, seat_id=seat.id)
    if (
        now_held is None
        or now_held.state is not SeatState.claimed
        or now_held.user_id != user.id
        or now_held.version != seat.version
    ):
        await enrollments.grant(
            db=db,
            user_id=user.id,
            source=GrantSource.seat,
            source_id=seat.id,
            course_id=seat.course_id,
            active=False,
        )
        raise errors.seat_released()
    log.info("seat claimed seat=%s team=%s user=%s", seat.id, team.id, user.id)
    return SeatClaimRead(
        seat_id=seat.id, team_id=team.id, course_id=team.course_id, course_title=team.course_title
    )
