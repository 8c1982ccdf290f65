"""Gift schemas: a course bought for an email address and claimed with a mailed link."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from coursevault.auth.models import Email
from coursevault.payments.models import CouponCode

GiftMessage = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
ClaimToken = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class GiftState(StrEnum):
    waiting = "waiting"  # paid, mailed, not claimed yet
    claimed = "claimed"  # an account claimed it and got the course
    refunded = "refunded"  # its order was refunded: nobody can claim it, access taken back
    disputed = "disputed"  # its payment is disputed: no access meanwhile


class GiftCheckoutIn(BaseModel):
    recipient_email: Email
    message: GiftMessage = ""  # mailed only when the buyer's address is confirmed (P11)
    coupon: CouponCode | None = None  # only a site-wide coupon applies


class Gift(BaseModel):
    """A stored gift (`gifts`): one per paid gift order, `_id` the order's id."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    buyer_id: str
    course_id: str
    course_title: str
    recipient_email: str
    message: str
    # SHA-256 of the claim link's token (P11), set by the job that mails the link: the
    # newest link's, and every link mailed for the gift (a retried mail job makes a new
    # one; an earlier one may have been delivered), each of which claims it.
    token_hash: str | None = None
    token_hashes: list[str] = []
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    order_state: str  # the order's state as of `order_version` (paid, refunded, disputed)
    order_version: int
    refund_requested_at: datetime | None = None  # the buyer asked; claims wait
    created_at: datetime

    def links_to(self, hashed: str) -> bool:
        """Whether HASHED is the hash of one of the gift's claim links."""
        return hashed == self.token_hash or hashed in self.token_hashes


class GiftClaimer(BaseModel):
    id: str
    name: str
    email: str


class GiftRead(BaseModel):
    """A gift as its buyer follows it."""

    id: str
    order_id: str
    course_id: str
    course_title: str
    recipient_email: str
    message: str
    state: GiftState
    claimed_by: GiftClaimer | None
    claimed_at: datetime | None
    created_at: datetime


class GiftClaimIn(BaseModel):
    token: ClaimToken


class GiftClaimRead(BaseModel):
    gift_id: str
    course_id: str
    course_title: str
