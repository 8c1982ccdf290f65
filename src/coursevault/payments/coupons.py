"""Coupons: percent or fixed discounts, per course or site-wide, with expiry and a cap."""

from __future__ import annotations

from coursevault import clock
from coursevault.auth.models import Role, User
from coursevault.courses import service as courses
from coursevault.database.db import Database, Document
from coursevault.payments import errors, repo
from coursevault.payments.models import CouponCreate, CouponRead


async def redeemed_amount(
    *, db: Database, code: str, course_id: str | None, amount: int, currency: str
) -> tuple[int, Document]:
    """Redeems coupon CODE for a purchase of AMOUNT in CURRENCY and returns the discounted
    amount. COURSE_ID names the course whose own coupons apply; with None (a bundle, a
    gift, seats) only a site-wide coupon does."""
    coupon = await repo.get_coupon(db=db, code=code)
    if coupon is None or coupon["course_id"] not in (None, course_id):
        raise errors.invalid_coupon()
    if coupon["kind"] == "fixed" and coupon["currency"] != currency:
        raise errors.invalid_coupon()
    redeemed = await repo.redeem_coupon(db=db, code=code, now=clock.now())
    if redeemed is None:
        raise errors.coupon_expired()
    percent = coupon["kind"] == "percent"
    discount = amount * coupon["value"] // 100 if percent else coupon["value"]
    return max(0, amount - discount), coupon


def coupon_read(doc: Document) -> CouponRead:
    """Returns the public view of a stored coupon."""
    return CouponRead.model_validate(doc)


async def create_coupon(*, db: Database, user: User, coupon_in: CouponCreate) -> CouponRead:
    """Creates a coupon: for one of the user's courses, or site-wide (admins only)."""
    if coupon_in.course_id is None:
        if Role.admin not in user.roles:
            raise errors.site_coupon_forbidden()
    else:
        await courses.owned_course(db=db, course_id=coupon_in.course_id, user=user)
    doc = {
        **coupon_in.model_dump(),
        "redemptions": 0,
        "created_by": user.id,
        "created_at": clock.now(),
    }
    if not await repo.insert_coupon(db=db, doc=doc):
        raise errors.coupon_exists()
    return coupon_read(doc)


async def coupons_for(*, db: Database, user: User) -> list[CouponRead]:
    """Returns the coupons USER created (every coupon, for an admin)."""
    created_by = None if Role.admin in user.roles else user.id
    return [coupon_read(d) for d in await repo.coupons_of(db=db, created_by=created_by)]
