"""Order, checkout, coupon and enrollment schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, StringConstraints, model_validator

CouponCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9_-]{3,40}$")
]


class OrderState(StrEnum):
    pending = "pending"  # created, waiting for the payment
    paid = "paid"  # access granted
    failed = "failed"  # the last attempt was declined; the student may retry
    refunded = "refunded"  # final: access revoked, a late success never re-grants (P4)
    disputed = "disputed"  # a chargeback is open or was lost: access revoked


class OrderKind(StrEnum):
    """What an order buys; stored orders without a kind are course orders."""

    course = "course"  # one course for the buyer
    bundle = "bundle"  # several courses of one instructor at one price, for the buyer
    gift = "gift"  # one course for an email address, claimed with a mailed link
    seats = "seats"  # N seats of one course, handed out by the buyer (the seat manager)


class Provider(StrEnum):
    stripe = "stripe"
    local = "local"  # the test checkout used when Stripe is not configured
    coupon = "coupon"  # fully discounted: nothing to pay


class CheckoutIn(BaseModel):
    coupon: CouponCode | None = None


class CheckoutRead(BaseModel):
    order_id: str
    provider: Provider
    checkout_url: str
    amount: int
    currency: str
    client_secret: str | None = None
    publishable_key: str | None = None
    stripe_js_url: str | None = None


class OrderRead(BaseModel):
    id: str = Field(validation_alias=AliasChoices("id", "_id"))  # read from the stored order
    kind: OrderKind = OrderKind.course
    user_id: str
    course_id: str | None  # None for a bundle (its courses are in course_ids)
    course_title: str  # what was bought: the course's title, or the bundle's
    bundle_id: str | None = None
    course_ids: list[str] = []  # a bundle's courses as they were sold
    quantity: int | None = None  # seats bought
    recipient_email: str | None = None  # a gift's recipient
    list_amount: int
    amount: int
    currency: str
    coupon: str | None
    provider: Provider
    state: OrderState
    created_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None
    # Only for the buyer while the order is open, to mount the payment form.
    client_secret: str | None = None
    publishable_key: str | None = None
    stripe_js_url: str | None = None


class OrderPage(BaseModel):
    items: list[OrderRead]
    total: int


class LocalPaymentIn(BaseModel):
    """The local test checkout's outcome: a test payment that succeeds or is declined."""

    outcome: Literal["succeed", "decline"] = "succeed"


class CouponCreate(BaseModel):
    code: CouponCode
    kind: Literal["percent", "fixed"]
    value: int = Field(gt=0)
    currency: Annotated[str, StringConstraints(to_lower=True, pattern=r"^[A-Za-z]{3}$")] | None = (
        None
    )
    course_id: str | None = None  # None: site-wide (admins only)
    expires_at: datetime | None = None
    max_redemptions: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _check(self) -> CouponCreate:
        if self.kind == "percent" and self.value > 100:
            raise ValueError("a percent coupon is at most 100")
        if self.kind == "fixed" and self.currency is None:
            raise ValueError("a fixed-amount coupon needs a currency")
        return self


class CouponRead(BaseModel):
    code: str
    kind: str
    value: int
    currency: str | None
    course_id: str | None
    expires_at: datetime | None
    max_redemptions: int | None
    redemptions: int


class Revenue(BaseModel):
    currency: str
    paid: int
    refunded: int
    net: int


class KindRevenue(Revenue):
    """What an instructor's orders of one kind brought, in one currency."""

    kind: OrderKind
    orders: int


class Sale(BaseModel):
    """One paid order as the studio dashboard counts it: when, how much, kept or not."""

    paid_at: datetime
    amount: int
    currency: str
    refunded: bool
