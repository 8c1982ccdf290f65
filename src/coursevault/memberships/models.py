"""Membership plans and memberships: stored documents and the API's schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from coursevault.courses.models import CourseSummary, Currency, Description
from coursevault.enrollments.service import PlanScope
from coursevault.payments.models import Provider
from coursevault.text import Title

# Ids of the provider's objects become field names in `memberships.invoices`: nothing
# that could be read as a path or an operator.
INVOICE_ID = r"^[A-Za-z0-9_-]{1,100}$"
PaymentMethodId = Annotated[str, StringConstraints(pattern=r"^pm_[A-Za-z0-9_]{1,200}$")]


class Interval(StrEnum):
    month = "month"
    year = "year"


class PlanPrice(BaseModel):
    """Money as integer minor units and an ISO 4217 currency."""

    amount: int = Field(gt=0, le=100_000_000)
    currency: Currency = "usd"


class PlanPrices(BaseModel):
    month: PlanPrice | None = None
    year: PlanPrice | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> PlanPrices:
        if self.month is None and self.year is None:
            raise ValueError("a plan needs a monthly or a yearly price")
        return self

    def of(self, interval: Interval) -> PlanPrice | None:
        return self.month if interval is Interval.month else self.year


CourseIds = Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=500)]


class MembershipPlanCreate(BaseModel):
    title: Title
    description: Description = ""
    all_courses: bool = False  # every course of the site, those published later too (admins)
    course_ids: CourseIds = []
    prices: PlanPrices

    @model_validator(mode="after")
    def _scope(self) -> MembershipPlanCreate:
        if self.all_courses and self.course_ids:
            raise ValueError("a plan of all courses lists no courses")
        if not self.all_courses and not self.course_ids:
            raise ValueError("choose the plan's courses, or all courses")
        return self


class MembershipPlanUpdate(BaseModel):
    """Changed fields only. New prices apply to new members; current members keep theirs."""

    title: Title | None = None
    description: Description | None = None
    all_courses: bool | None = None
    course_ids: CourseIds | None = None
    prices: PlanPrices | None = None
    active: bool | None = None  # an inactive plan takes no new members and is not listed


class MembershipPlan(BaseModel):
    """A stored plan (`membership_plans`)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    title: str
    description: str
    owner_id: str
    all_courses: bool
    course_ids: list[str]
    prices: PlanPrices
    active: bool
    version: int = 0  # raised by every change of the plan's courses
    created_at: datetime
    updated_at: datetime
    # Stripe's objects for this plan, made when a first member subscribes: the Product,
    # and a Plan per (interval, amount, currency) ever sold (Stripe's prices are fixed).
    stripe_product: str | None = None
    stripe_prices: dict[str, str] = {}

    def scope(self) -> PlanScope:
        return PlanScope(all_courses=self.all_courses, course_ids=list(self.course_ids))

    def covers(self, course_id: str) -> bool:
        return self.all_courses or course_id in self.course_ids


class MembershipPlanRead(BaseModel):
    id: str
    title: str
    description: str
    owner_id: str
    all_courses: bool
    course_ids: list[str]
    # Published courses the plan opens (for all courses: the first 100 of the catalog).
    courses: list[CourseSummary]
    course_count: int
    prices: PlanPrices
    active: bool
    created_at: datetime


class MembershipPlanPage(BaseModel):
    items: list[MembershipPlanRead]
    # How the pricing page collects a card: Stripe (with these keys) or the local test checkout.
    provider: Provider | None
    publishable_key: str | None = None
    stripe_js_url: str | None = None


class MembershipStatus(StrEnum):
    pending = "pending"  # waiting for the first payment
    active = "active"  # paid; may be cancelling at the period end
    past_due = "past_due"  # a payment failed: access for the grace period
    # Deleted, cancelled, lapsed (read-time: past its access end), or a payment of it
    # refunded or charged back (access taken back; a won dispute gives it back).
    ended = "ended"
    failed = "failed"  # the first payment never succeeded; it never opened anything


ACCESS_STATUSES = (MembershipStatus.active, MembershipStatus.past_due)


# A dispute closed with one of these leaves access in place (as an order's, P4).
DISPUTE_KEEPS_ACCESS = ("won", "warning_closed")
DISPUTE_CLOSED = ("won", "lost", "warning_closed")


class DisputeFacts(BaseModel):
    status: str  # Stripe's: needs_response, under_review, won, lost… (closed never reopens)
    at: datetime  # when it was first reported


class InvoiceFacts(BaseModel):
    """What we learnt of one invoice. Facts only accumulate: paid never goes back, the
    failure and refund times only move earlier, a closed dispute never reopens, so any
    order of events leaves the same facts."""

    created: datetime
    amount: int = 0
    currency: str = ""
    paid: bool = False
    period_end: datetime | None = None  # the end of the period it pays (its lines')
    failed_at: datetime | None = None  # the first failure reported for it
    refunded_at: datetime | None = None  # its charge refunded in full: access taken back
    disputes: dict[str, DisputeFacts] = {}  # chargebacks of its charge, by dispute id

    def revoked_at(self) -> datetime | None:
        """When a refund, or a dispute that is open or was lost, took its payment back."""
        times = [d.at for d in self.disputes.values() if d.status not in DISPUTE_KEEPS_ACCESS]
        if self.refunded_at is not None:
            times.append(self.refunded_at)
        return min(times, default=None)


class Membership(BaseModel):
    """A stored membership (`memberships`): one subscription of one user to one plan."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    user_id: str
    plan_id: str
    plan_title: str
    interval: Interval
    amount: int  # the server's plan price when it was sold (P8)
    currency: str
    provider: Provider
    provider_subscription_id: str | None = None
    provider_customer_id: str | None = None
    provider_price_id: str | None = None
    status: MembershipStatus = MembershipStatus.pending
    # The provider's subscription may still bill (not cancelled or expired; pending: may
    # exist). At most one per (user, plan): a unique partial index (P8).
    live: bool = True
    cancel_at_period_end: bool = False
    started_at: datetime | None = None
    paid_through: datetime | None = None
    access_until: datetime | None = None  # the grant's end: paid-through or grace end
    ended_at: datetime | None = None
    invoices: dict[str, InvoiceFacts] = {}
    version: int = 0  # raised by every write of facts or state (compare-and-set)
    # What the grant was last made to say (`events.granted`); the grant is written again
    # only when the membership says something else.
    granted: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime

    def lapsed(self, now: datetime) -> bool:
        """Past its access end without a write: the grant stopped there too."""
        return (
            self.status in ACCESS_STATUSES
            and self.access_until is not None
            and self.access_until <= now
        )

    def in_force(self, now: datetime) -> bool:
        return self.status in ACCESS_STATUSES and not self.lapsed(now)

    def status_at(self, now: datetime) -> MembershipStatus:
        return MembershipStatus.ended if self.lapsed(now) else self.status

    def ended_at_or_lapse(self, now: datetime) -> datetime | None:
        """When it ended (deleted, or its access end passed), else None."""
        if self.status is MembershipStatus.ended:
            return self.ended_at
        return self.access_until if self.lapsed(now) else None


class SubscribeIn(BaseModel):
    """The interval chosen; with Stripe, the PaymentMethod Stripe.js made of the card. Any
    amount, currency or price sent along is not read (P8)."""

    interval: Interval
    payment_method: PaymentMethodId | None = None


class MembershipRead(BaseModel):
    id: str
    user_id: str
    plan_id: str
    plan_title: str
    interval: Interval
    amount: int
    currency: str
    provider: Provider
    status: MembershipStatus
    cancel_at_period_end: bool
    started_at: datetime | None
    paid_through: datetime | None
    access_until: datetime | None
    ended_at: datetime | None
    created_at: datetime
    checkout_url: str | None = None  # the local test checkout, while the first payment waits


class MembershipPage(BaseModel):
    items: list[MembershipRead]


class LocalAction(StrEnum):
    """What the local test checkout simulates on a test subscription (development only)."""

    pay = "pay"  # the first payment succeeds
    decline = "decline"  # the open invoice's payment is declined
    renew = "renew"  # the next period is invoiced and paid
    fail_renewal = "fail_renewal"  # the next period is invoiced and its payment fails
    recover = "recover"  # after a failure, the open invoices are paid
    cancel_at_period_end = "cancel_at_period_end"  # as if cancelled at the provider
    delete = "delete"  # the subscription is deleted at once


class LocalSubscriptionIn(BaseModel):
    action: LocalAction


class CurrencyAmount(BaseModel):
    currency: str
    amount: int  # minor units per month


class MoneyFigures(BaseModel):
    """MRR (monthly equivalent of active members' prices, per currency), members active and
    past due now, and churn over the last 30 days (ended / active 30 days ago)."""

    mrr: list[CurrencyAmount]
    active: int
    past_due: int
    ended_last_30_days: int
    active_30_days_ago: int
    churn_30_days: float | None  # None when nobody was a member 30 days ago


class PlanMoney(MoneyFigures):
    plan_id: str
    title: str


class MembershipMoney(BaseModel):
    plans: list[PlanMoney]
    overall: MoneyFigures
