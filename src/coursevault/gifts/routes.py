"""HTTP routes for gifts: buying one, the buyer's list and refund, claiming."""

from __future__ import annotations

from fastapi import APIRouter, status

from coursevault.auth.deps import CurrentUser
from coursevault.courses.deps import VisibleCourse
from coursevault.errors import ERROR_RESPONSES
from coursevault.gifts import service
from coursevault.gifts.models import GiftCheckoutIn, GiftClaimIn, GiftClaimRead, GiftRead
from coursevault.http.deps import AppSettings, Db
from coursevault.payments.models import CheckoutRead

router = APIRouter(prefix="/api", tags=["gifts"], responses=ERROR_RESPONSES)


@router.post(
    "/courses/{course_id}/gift", status_code=status.HTTP_201_CREATED, operation_id="checkoutGift"
)
async def checkout_gift(
    gift_in: GiftCheckoutIn, course: VisibleCourse, user: CurrentUser, db: Db, settings: AppSettings
) -> CheckoutRead:
    """Buys the course for an email address at the course's price (P7), paid like any
    order; once paid, the recipient is mailed a claim link (once)."""
    return await service.checkout(
        db=db, settings=settings, user=user, course=course, gift_in=gift_in
    )


@router.get("/me/gifts", operation_id="myGifts")
async def my_gifts(user: CurrentUser, db: Db) -> list[GiftRead]:
    """The gifts the caller bought: waiting, claimed (by whom, when), refunded."""
    return await service.mine(db=db, user=user)


@router.post("/gifts/claim", operation_id="claimGift")
async def claim_gift(claim_in: GiftClaimIn, user: CurrentUser, db: Db) -> GiftClaimRead:
    """Claims a gift with the token of its mailed link: the course is the caller's (P11)."""
    return await service.claim(db=db, user=user, token=claim_in.token)


@router.post("/gifts/{gift_id}/refund", operation_id="refundGift")
async def refund_gift(gift_id: str, user: CurrentUser, db: Db, settings: AppSettings) -> GiftRead:
    """The buyer refunds a gift nobody claimed yet (409 `gift_already_claimed` once it is)."""
    return await service.refund(db=db, settings=settings, user=user, gift_id=gift_id)
