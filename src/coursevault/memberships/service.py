"""Membership rules: subscribing at the plan's own price (P8), a member's own memberships
(P13), cancelling at the period end and resuming, and the local test subscriptions."""

from __future__ import annotations

import logging
from datetime import timedelta

from bson import ObjectId

from coursevault import clock
from coursevault.auth.models import Role, User
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.errors import AppError, ErrorCode, not_found
from coursevault.http import urls
from coursevault.memberships import errors, events, local, plans, providers, repo
from coursevault.memberships.models import (
    LocalAction,
    Membership,
    MembershipPage,
    MembershipRead,
    MembershipStatus,
    SubscribeIn,
)
from coursevault.payments.models import Provider

log = logging.getLogger("coursevault.memberships")


def to_read(membership: Membership) -> MembershipRead:
    now = clock.now()
    waiting = (
        membership.provider is Provider.local and membership.status is MembershipStatus.pending
    )
    return MembershipRead(
        id=membership.id,
        user_id=membership.user_id,
        plan_id=membership.plan_id,
        plan_title=membership.plan_title,
        interval=membership.interval,
        amount=membership.amount,
        currency=membership.currency,
        provider=membership.provider,
        status=membership.status_at(now),
        cancel_at_period_end=membership.cancel_at_period_end,
        started_at=membership.started_at,
        paid_through=membership.paid_through,
        access_until=membership.access_until,
        ended_at=membership.ended_at_or_lapse(now),
        created_at=membership.created_at,
        checkout_url=urls.membership_checkout_page(membership.id) if waiting else None,
    )


ORPHAN_AFTER = timedelta(minutes=10)  # a subscribe's answer is long lost by then


async def subscribe(
    *, db: Database, settings: Settings, user: User, plan_id: str, subscribe_in: SubscribeIn
) -> Membership:
    """Makes USER a member of an active plan at the plan's own price for the chosen
    interval (never an amount from the client, P8). With Stripe the first payment is
    taken at once (402 card_declined leaves a failed membership and no subscription);
    the local test checkout waits for its test page. A user has at most one membership
    of a plan whose subscription may bill (pending, paid, past due even once lapsed): a
    second subscribe, racing or later, is `409 already_member` (a unique index)."""
    plan = await plans.get_for_sale(db=db, plan_id=plan_id)
    price = plan.prices.of(subscribe_in.interval)
    if price is None:
        raise errors.interval_not_offered(subscribe_in.interval.value)
    provider = providers.for_new_membership(settings, db)  # 503 before anything is stored
    if provider.needs_card and subscribe_in.payment_method is None:
        raise errors.payment_method_required()
    await _refuse_a_second(db=db, settings=settings, user=user, plan_id=plan.id)
    price_id = await provider.price_for(plan=plan, interval=subscribe_in.interval, price=price)
    now = clock.now()
    membership = Membership(
        id=str(ObjectId()),
        user_id=user.id,
        plan_id=plan.id,
        plan_title=plan.title,
        interval=subscribe_in.interval,
        amount=price.amount,
        currency=price.currency,
        provider=provider.name,
        provider_price_id=price_id,
        created_at=now,
        updated_at=now,
    )
    # Stored before anything is asked of the provider: of two subscribes racing, the one
    # whose membership is not stored stops here, having charged nothing.
    if not await repo.insert_membership(db=db, membership=membership):
        raise errors.already_member()
    try:
        customer = await provider.customer_for(
            user=user, payment_method=subscribe_in.payment_method
        )
    except AppError:
        await repo.mark_failed(db=db, membership_id=membership.id)  # no subscription asked
        raise
    await repo.set_fields(
        db=db, membership_id=membership.id, fields={"provider_customer_id": customer.id}
    )
    membership = membership.model_copy(update={"provider_customer_id": customer.id})
    try:
        subscription_id = await provider.subscribe(
            membership=membership, customer=customer, price_id=price_id
        )
    except AppError as exc:
        if exc.code is ErrorCode.card_declined:
            await repo.mark_failed(db=db, membership_id=membership.id)
        # Anything else (a timeout, Stripe away) may have come after Stripe made the
        # subscription: the membership stays pending, and the subscription's events adopt
        # it (`events._adopt`); one never made is settled by the next subscribe.
        raise
    await repo.set_subscription(db=db, membership_id=membership.id, subscription_id=subscription_id)
    log.info(
        "membership created membership=%s user=%s plan=%s %s %d %s",
        membership.id,
        user.id,
        plan.id,
        subscribe_in.interval,
        price.amount,
        price.currency,
    )
    return await events.sync(
        db=db, settings=settings, membership_id=membership.id, provider=provider
    )


async def _refuse_a_second(*, db: Database, settings: Settings, user: User, plan_id: str) -> None:
    """409 already_member when USER has a live membership of PLAN_ID. One left pending with
    no subscription recorded, long after its subscribe, is settled first: adopted when
    the provider made its subscription after all (then 409 if it opens the plan), failed
    when it never did."""
    found = await repo.live_membership(db=db, user_id=user.id, plan_id=plan_id)
    if found is None:
        return
    orphan = (
        found.status is MembershipStatus.pending
        and found.provider_subscription_id is None
        and found.created_at <= clock.now() - ORPHAN_AFTER
    )
    if not orphan:
        raise errors.already_member()
    provider = providers.of_membership(settings, db, found)
    subscription_id = await provider.subscription_of(membership=found)
    if subscription_id is None:
        if await repo.mark_failed(db=db, membership_id=found.id):
            log.info("membership %s: its subscription was never made", found.id)
            return
    elif await repo.set_subscription(
        db=db, membership_id=found.id, subscription_id=subscription_id
    ):
        await events.sync(db=db, settings=settings, membership_id=found.id, provider=provider)
    again = await repo.get_membership(db=db, membership_id=found.id)
    if again is not None and again.live:
        raise errors.already_member()


async def my_memberships(*, db: Database, user: User) -> MembershipPage:
    found = await repo.memberships_of_user(db=db, user_id=user.id)
    return MembershipPage(
        items=[to_read(m) for m in found if m.status is not MembershipStatus.failed]
    )


async def membership_for(*, db: Database, membership_id: str, user: User) -> Membership:
    """The membership if it is USER's (admins see any); 404 otherwise (P13)."""
    found = await repo.get_membership(db=db, membership_id=membership_id)
    if found is None or (found.user_id != user.id and Role.admin not in user.roles):
        raise errors.membership_not_found()
    return found


async def own_membership(*, db: Database, membership_id: str, user: User) -> Membership:
    """USER's own membership, to change it: someone else's is 404, even for an admin."""
    found = await repo.get_membership(db=db, membership_id=membership_id)
    if found is None or found.user_id != user.id:
        raise errors.membership_not_found()
    return found


async def set_cancelling(
    *, db: Database, settings: Settings, membership: Membership, cancel: bool
) -> Membership:
    """Cancels at the period end (CANCEL) or takes that back. Stripe sends no event for
    this on every setup (localstripe never does), so the state is read back here. A
    membership with no access left whose subscription may still bill (past due and
    lapsed, or its payment taken back) is cancelled at once: nothing is left to keep
    until a period end, and it must not be charged again."""
    now = clock.now()
    if membership.provider_subscription_id is None:
        raise errors.membership_not_active()
    provider = providers.of_membership(settings, db, membership)
    if not membership.in_force(now):
        stuck = membership.live and membership.status is not MembershipStatus.pending
        if not cancel or not stuck:
            raise errors.membership_not_active()
        await provider.cancel_now(subscription_id=membership.provider_subscription_id)
        log.info("membership %s cancelled at once (no access left)", membership.id)
    else:
        if membership.cancel_at_period_end == cancel:
            return membership
        await provider.set_cancel_at_period_end(
            subscription_id=membership.provider_subscription_id, cancel=cancel
        )
        log.info("membership %s cancel_at_period_end=%s", membership.id, cancel)
    return await events.sync(
        db=db, settings=settings, membership_id=membership.id, provider=provider
    )


async def simulate_local(
    *, db: Database, settings: Settings, membership: Membership, action: LocalAction
) -> Membership:
    """The local test checkout (development only): ACTION happens on the membership's test
    subscription, and its events go through the same handling as Stripe's."""
    if not settings.is_development:
        raise not_found()
    if membership.provider is not Provider.local or membership.provider_subscription_id is None:
        raise errors.not_a_test_membership()
    provider = providers.LocalSubscriptions(db)
    for event in await local.simulate(
        db=db, subscription_id=membership.provider_subscription_id, action=action
    ):
        current = await repo.get_membership(db=db, membership_id=membership.id)
        assert current is not None
        await events.apply(
            db=db, settings=settings, membership=current, event=event, provider=provider
        )
    return await events.sync(
        db=db, settings=settings, membership_id=membership.id, provider=provider
    )
