"""A membership's state as a pure function of the provider's subscription, read now, and
the invoice facts gathered so far (P9).

Nothing here reads a clock or depends on which event arrived first: the snapshot is
whatever the provider says when asked, and the facts only accumulate. So handling the
same events in any order, each followed by a fresh read, ends in the same state.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from coursevault.memberships.models import Interval, InvoiceFacts, MembershipStatus

ENDED = ("canceled", "incomplete_expired")
PAYING = ("active", "trialing")
OVERDUE = ("past_due", "unpaid")


@dataclass(frozen=True)
class ProviderEvent:
    """What an event says, reduced to what a membership needs: which subscription (and
    invoice) to read again, and, for a failed payment, when the provider reported it."""

    id: str
    kind: str  # Stripe's event type: invoice.payment_failed, customer.subscription.deleted…
    subscription_id: str
    invoice_id: str | None
    created: datetime


@dataclass(frozen=True)
class InvoiceSnapshot:
    id: str
    subscription_id: str | None
    status: str  # draft, open, paid, void, uncollectible
    created: datetime
    amount: int
    currency: str
    period_end: datetime | None  # the latest end among its lines' periods


@dataclass(frozen=True)
class SubscriptionSnapshot:
    id: str
    status: str  # Stripe's: incomplete, active, past_due, canceled, incomplete_expired…
    price_id: str | None  # the provider's price (a Stripe Plan) of its one item
    customer_id: str | None
    metadata: Mapping[str, str]
    start: datetime
    cancel_at_period_end: bool
    current_period_end: datetime | None
    ended_at: datetime | None
    latest_invoice: InvoiceSnapshot | None
    # False for a provider that never moves a subscription to its next period (localstripe):
    # each paid invoice then counts one interval (`paid_through`).
    periods_advance: bool = True


@dataclass(frozen=True)
class Derived:
    status: MembershipStatus
    cancel_at_period_end: bool
    started_at: datetime
    paid_through: datetime | None
    access_until: datetime | None
    ended_at: datetime | None
    live: bool  # the provider's subscription may still bill


def add_intervals(start: datetime, interval: Interval, times: int) -> datetime:
    """START plus TIMES months or years, on the same day of the month where there is one
    (Jan 31 + 1 month = Feb 28 or 29), as Stripe bills."""
    months = times * (12 if interval is Interval.year else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day)


def paid_through(
    start: datetime,
    invoices: Mapping[str, InvoiceFacts],
    interval: Interval,
    *,
    periods_advance: bool = True,
) -> datetime | None:
    """The end of the last paid period: the latest period end among the paid invoices (an
    invoice pays the period its lines name: a proration or a one-off invoice within a
    period paid already adds nothing). A provider whose periods never advance
    (localstripe) names the first period on every invoice: there each paid invoice counts
    one interval from the start."""
    paid = [facts for facts in invoices.values() if facts.paid]
    if not paid:
        return None
    ends = [facts.period_end for facts in paid if facts.period_end is not None]
    if periods_advance:
        # An invoice without a period (none of ours) pays the first one at least.
        return max(ends, default=add_intervals(start, interval, 1))
    return max([*ends, add_intervals(start, interval, len(paid))])


def revoked_at(invoices: Mapping[str, InvoiceFacts]) -> datetime | None:
    """When a payment of the membership was first refunded in full or charged back (a
    dispute open or lost); None when none is."""
    return min(
        (at for facts in invoices.values() if (at := facts.revoked_at()) is not None),
        default=None,
    )


def grace_from(snapshot: SubscriptionSnapshot, invoices: Mapping[str, InvoiceFacts]) -> datetime:
    """When the current run of failures began: the first failure of an unpaid invoice newer
    than every paid one (an old open invoice after a recovery does not count). Until the
    failure event is in, the newest unpaid invoice's date stands in for it."""
    newest_paid = max((f.created for f in invoices.values() if f.paid), default=None)
    failures = [
        f.failed_at
        for f in invoices.values()
        if not f.paid
        and f.failed_at is not None
        and (newest_paid is None or f.created > newest_paid)
    ]
    if failures:
        return min(failures)
    latest = snapshot.latest_invoice
    return latest.created if latest is not None else snapshot.start


def derive(
    snapshot: SubscriptionSnapshot,
    invoices: Mapping[str, InvoiceFacts],
    *,
    interval: Interval,
    grace: timedelta,
) -> Derived:
    """The membership SNAPSHOT and INVOICES make: who has access, and until when."""
    through = paid_through(
        snapshot.start, invoices, interval, periods_advance=snapshot.periods_advance
    )
    cancelling = snapshot.cancel_at_period_end
    live = snapshot.status not in ENDED

    def state(status: MembershipStatus, until: datetime | None = None) -> Derived:
        return Derived(
            status=status,
            cancel_at_period_end=cancelling,
            started_at=snapshot.start,
            paid_through=through,
            access_until=until,
            ended_at=None,
            live=live,
        )

    def ended(at: datetime) -> Derived:
        return Derived(
            status=MembershipStatus.ended,
            cancel_at_period_end=cancelling,
            started_at=snapshot.start,
            paid_through=through,
            access_until=None,
            ended_at=at,
            live=live,
        )

    taken_back = revoked_at(invoices)
    if snapshot.status in ENDED:
        if through is None:
            return state(MembershipStatus.failed)
        gone = snapshot.ended_at or min(through, snapshot.current_period_end or through)
        return ended(gone if taken_back is None else min(gone, taken_back))
    if taken_back is not None:
        # A payment refunded, or charged back while the dispute is open or once lost:
        # access ends there, whatever else is paid (a won dispute gives it back).
        return ended(taken_back)
    if snapshot.status in PAYING:
        end = through or snapshot.current_period_end
        if end is None:
            return state(MembershipStatus.pending)
        # Cancelling: access until the end of what was paid. Otherwise a grace beyond it, so
        # a renewal whose events are late (or lost) never cuts a paying member off.
        return state(MembershipStatus.active, end if cancelling else end + grace)
    if snapshot.status in OVERDUE:
        # A failure never cuts short a period already paid: the grace runs from the later
        # of the paid-through date and the first failure.
        failed = grace_from(snapshot, invoices)
        return state(MembershipStatus.past_due, max(failed, through or failed) + grace)
    return state(MembershipStatus.pending)  # incomplete, paused: nothing opens
