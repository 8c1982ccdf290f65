"""Membership money for the money pages: MRR, members active and past due, churn; per
plan and overall, site-wide for admins and over their own plans for instructors."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from coursevault import clock
from coursevault.auth.models import Role, User
from coursevault.database.db import Database
from coursevault.memberships import repo
from coursevault.memberships.models import (
    CurrencyAmount,
    Interval,
    Membership,
    MembershipMoney,
    MembershipStatus,
    MoneyFigures,
    PlanMoney,
)
from coursevault.payments.models import Sale

CHURN_WINDOW = timedelta(days=30)


def monthly(membership: Membership) -> int:
    """The price as a monthly amount (a yearly price over 12, rounded to the minor unit)."""
    if membership.interval is Interval.year:
        return round(membership.amount / 12)
    return membership.amount


def _member_at(membership: Membership, at: datetime, now: datetime) -> bool:
    """Whether MEMBERSHIP held access at AT (a past moment, or now)."""
    if membership.started_at is None or membership.started_at > at:
        return False
    if membership.status in (MembershipStatus.pending, MembershipStatus.failed):
        return False
    ended = membership.ended_at_or_lapse(now)
    return ended is None or ended > at


def figures(memberships: Iterable[Membership], now: datetime) -> MoneyFigures:
    mrr: dict[str, int] = defaultdict(int)
    active = past_due = ended_recently = active_before = 0
    before = now - CHURN_WINDOW
    for membership in memberships:
        status = membership.status_at(now)
        if status is MembershipStatus.active:
            active += 1
            mrr[membership.currency] += monthly(membership)
        elif status is MembershipStatus.past_due:
            past_due += 1
        ended = membership.ended_at_or_lapse(now)
        if ended is not None and before < ended <= now and membership.started_at is not None:
            ended_recently += 1
        active_before += _member_at(membership, before, now)
    return MoneyFigures(
        mrr=[CurrencyAmount(currency=c, amount=a) for c, a in sorted(mrr.items())],
        active=active,
        past_due=past_due,
        ended_last_30_days=ended_recently,
        active_30_days_ago=active_before,
        churn_30_days=ended_recently / active_before if active_before else None,
    )


async def membership_money(*, db: Database, user: User) -> MembershipMoney:
    """The figures of every plan USER may see (all for an admin, their own otherwise)."""
    owner = None if Role.admin in user.roles else user.id
    plans = await repo.list_plans(db=db, owner_id=owner)
    found = await repo.memberships_of_plans(db=db, plan_ids=[p.id for p in plans])
    by_plan: dict[str, list[Membership]] = defaultdict(list)
    for membership in found:
        by_plan[membership.plan_id].append(membership)
    now = clock.now()
    return MembershipMoney(
        plans=[
            PlanMoney(plan_id=p.id, title=p.title, **dict(figures(by_plan[p.id], now)))
            for p in plans
        ],
        overall=figures(found, now),
    )


async def invoices_since(*, db: Database, owner_id: str, since: datetime) -> list[Sale]:
    """The paid invoices of OWNER_ID's plans created at or after SINCE, as sales (refunded
    ones marked), oldest first. Only memberships written since SINCE are read: recording
    an invoice writes its membership."""
    plans = await repo.list_plans(db=db, owner_id=owner_id)
    found = await repo.memberships_of_plans(
        db=db, plan_ids=[p.id for p in plans], written_since=since
    )
    return sorted(
        (
            Sale(
                paid_at=invoice.created,
                amount=invoice.amount,
                # An invoice reported without one is in the currency the plan was sold in
                # (as its receipt mail says).
                currency=invoice.currency or membership.currency,
                refunded=invoice.refunded_at is not None,
            )
            for membership in found
            for invoice in membership.invoices.values()
            if invoice.paid and invoice.created >= since
        ),
        key=lambda s: s.paid_at,
    )
