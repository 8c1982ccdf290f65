"""HTTP routes for bundles: the instructor's CRUD, the public page's data, checkout."""

from __future__ import annotations

from fastapi import APIRouter, status

from coursevault.auth.deps import CurrentUser, Instructor, OptionalUser
from coursevault.bundles import service
from coursevault.bundles.models import (
    BundleCreate,
    BundleOffer,
    BundlePublicRead,
    BundleRead,
    BundleUpdate,
)
from coursevault.courses import service as courses
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import AppSettings, Db
from coursevault.payments.models import CheckoutIn, CheckoutRead

router = APIRouter(prefix="/api", tags=["bundles"], responses=ERROR_RESPONSES)


@router.post("/bundles", status_code=status.HTTP_201_CREATED, operation_id="createBundle")
async def create_bundle(bundle_in: BundleCreate, user: Instructor, db: Db) -> BundleRead:
    """A bundle of the caller's published courses at one price (422 `invalid_bundle`
    lists what does not fit)."""
    return await service.create(db=db, user=user, bundle_in=bundle_in)


@router.get("/me/bundles", operation_id="myBundles")
async def my_bundles(user: Instructor, db: Db) -> list[BundleRead]:
    """The bundles the caller sells (every bundle, for an admin)."""
    return await service.mine(db=db, user=user)


@router.get("/bundles/{bundle_id}", operation_id="getBundle")
async def get_bundle(bundle_id: str, viewer: OptionalUser, db: Db) -> BundlePublicRead:
    """A bundle on sale with its courses, for anyone (its instructor sees it unpublished)."""
    return await service.public(db=db, bundle_id=bundle_id, viewer=viewer)


@router.get("/courses/{course_id}/bundles", operation_id="courseBundles")
async def course_bundles(course_id: str, viewer: OptionalUser, db: Db) -> list[BundleOffer]:
    """The bundles on sale that include the course, for its page (no sign-in needed)."""
    course = await courses.visible_course(db=db, ref=course_id, viewer=viewer)
    return await service.offers(db=db, course=course)


@router.patch("/bundles/{bundle_id}", operation_id="updateBundle")
async def update_bundle(
    bundle_id: str, bundle_in: BundleUpdate, user: Instructor, db: Db
) -> BundleRead:
    return await service.update(db=db, user=user, bundle_id=bundle_id, bundle_in=bundle_in)


@router.delete(
    "/bundles/{bundle_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteBundle"
)
async def delete_bundle(bundle_id: str, user: Instructor, db: Db) -> None:
    await service.delete(db=db, user=user, bundle_id=bundle_id)


@router.post(
    "/bundles/{bundle_id}/checkout",
    status_code=status.HTTP_201_CREATED,
    operation_id="checkoutBundle",
)
async def checkout_bundle(
    bundle_id: str,
    user: CurrentUser,
    db: Db,
    settings: AppSettings,
    checkout_in: CheckoutIn | None = None,
) -> CheckoutRead:
    """One order for every course of the bundle at the bundle's price (P7); paid like a
    course order (Stripe or the local test checkout)."""
    return await service.checkout(
        db=db,
        settings=settings,
        user=user,
        bundle_id=bundle_id,
        coupon=checkout_in.coupon if checkout_in else None,
    )
