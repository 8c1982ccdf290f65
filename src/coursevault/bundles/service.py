"""Bundle rules: an instructor's published courses sold together at one price (P7).

A bundle is a catalog record: buying it creates one order of kind `bundle` that keeps
the courses and the price as they were sold, and payments grants them (source `bundle`)
and takes them back on a refund or a lost dispute. Changing or deleting a bundle later
changes nothing for those who bought it.
"""

from __future__ import annotations

from bson import ObjectId

from coursevault import clock
from coursevault.auth.models import Role, User
from coursevault.bundles import errors, repo
from coursevault.bundles.models import (
    Bundle,
    BundleCreate,
    BundleOffer,
    BundlePublicRead,
    BundleRead,
    BundleUpdate,
)
from coursevault.config import Settings
from coursevault.courses import service as courses
from coursevault.courses.models import CourseStatus
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.payments import checkout as payments
from coursevault.payments.models import CheckoutRead, OrderKind


def to_read(bundle: Bundle) -> BundleRead:
    return BundleRead.model_validate(bundle.model_dump())


def _manages(user: User | None, bundle: Bundle) -> bool:
    return user is not None and (bundle.instructor_id == user.id or Role.admin in user.roles)


async def _courses_of(*, db: Database, user: User, course_ids: list[str]) -> dict[str, Document]:
    """Checks that COURSE_IDS may be one bundle of USER's: every one a published course of
    one instructor, USER's own unless USER is an admin. 422 with every reason otherwise."""
    found = await courses.courses_by_id(db=db, course_ids=course_ids)
    admin = Role.admin in user.roles
    reasons: list[str] = []
    for course_id in course_ids:
        course = found.get(course_id)
        if course is None or not (admin or course["instructor_id"] == user.id):
            reasons.append(f"{course_id}: no such course of yours")
        elif course["status"] != CourseStatus.published:
            reasons.append(f"{course['title']}: not published")
    if not reasons and len({c["instructor_id"] for c in found.values()}) > 1:
        reasons.append("the courses have different instructors")
    if reasons:
        raise errors.invalid_bundle(reasons)
    return found


async def create(*, db: Database, user: User, bundle_in: BundleCreate) -> BundleRead:
    """Creates a bundle of USER's published courses."""
    found = await _courses_of(db=db, user=user, course_ids=bundle_in.course_ids)
    now = clock.now()
    bundle = Bundle(
        id=str(ObjectId()),
        instructor_id=next(iter(found.values()))["instructor_id"],
        created_by=user.id,
        title=bundle_in.title,
        description=bundle_in.description,
        course_ids=bundle_in.course_ids,
        price=bundle_in.price,
        published=bundle_in.published,
        created_at=now,
        updated_at=now,
    )
    await repo.insert(db=db, bundle=bundle)
    return to_read(bundle)


async def managed(*, db: Database, user: User, bundle_id: str) -> Bundle:
    """The bundle if USER manages it (its instructor, or an admin); 404 otherwise."""
    bundle = await repo.get(db=db, bundle_id=bundle_id)
    if bundle is None or not _manages(user, bundle):
        raise errors.bundle_not_found()
    return bundle


async def mine(*, db: Database, user: User) -> list[BundleRead]:
    """The bundles USER sells (every bundle, for an admin)."""
    instructor = None if Role.admin in user.roles else user.id
    return [to_read(b) for b in await repo.of_instructor(db=db, instructor_id=instructor)]


async def update(
    *, db: Database, user: User, bundle_id: str, bundle_in: BundleUpdate
) -> BundleRead:
    """Changes a bundle; new courses are checked as at creation. Buyers keep what they
    bought."""
    bundle = await managed(db=db, user=user, bundle_id=bundle_id)
    fields = bundle_in.model_dump(exclude_unset=True, exclude_none=True)
    if "course_ids" in fields:
        found = await _courses_of(db=db, user=user, course_ids=bundle_in.course_ids or [])
        fields["instructor_id"] = next(iter(found.values()))["instructor_id"]
    fields["updated_at"] = clock.now()
    updated = await repo.update(db=db, bundle_id=bundle.id, fields=fields)
    if updated is None:
        raise errors.bundle_not_found()
    return to_read(updated)


async def delete(*, db: Database, user: User, bundle_id: str) -> None:
    """Deletes a bundle (its orders keep their own copy of what was sold)."""
    bundle = await managed(db=db, user=user, bundle_id=bundle_id)
    await repo.delete(db=db, bundle_id=bundle.id)


async def _on_sale(
    *, db: Database, bundle_id: str, viewer: User | None
) -> tuple[Bundle, list[Document]]:
    """The bundle and its courses, if it is on sale (published, every course published)
    or VIEWER manages it; 404 otherwise."""
    bundle = await repo.get(db=db, bundle_id=bundle_id)
    if bundle is None:
        raise errors.bundle_not_found()
    found = await courses.courses_by_id(db=db, course_ids=bundle.course_ids)
    listed = [found[c] for c in bundle.course_ids if c in found]
    on_sale = bundle.published and _on_sale_courses(bundle, found) is not None
    if not on_sale and not _manages(viewer, bundle):
        raise errors.bundle_not_found()
    return bundle, listed


def _on_sale_courses(bundle: Bundle, found: dict[str, Document]) -> list[Document] | None:
    """The bundle's courses if every one of them is published (it is on sale), else None."""
    listed = [found[c] for c in bundle.course_ids if c in found]
    if len(listed) != len(bundle.course_ids):
        return None
    if any(c["status"] != CourseStatus.published for c in listed):
        return None
    return listed


def _separate(bundle: Bundle, listed: list[Document]) -> int:
    """What LISTED cost one by one, in the bundle's currency."""
    return sum(
        c["price"]["amount"] for c in listed if c["price"]["currency"] == bundle.price.currency
    )


async def offers(*, db: Database, course: Document) -> list[BundleOffer]:
    """The bundles on sale that include COURSE (what its page offers besides itself)."""
    bundles = await repo.published_with_course(db=db, course_id=course["_id"])
    wanted = sorted({c for b in bundles for c in b.course_ids})
    found = await courses.courses_by_id(db=db, course_ids=wanted)
    out = []
    for bundle in bundles:
        listed = _on_sale_courses(bundle, found)
        if listed is not None:
            out.append(
                BundleOffer(
                    id=bundle.id,
                    title=bundle.title,
                    price=bundle.price,
                    course_count=len(listed),
                    separate_amount=_separate(bundle, listed),
                )
            )
    return out


async def public(*, db: Database, bundle_id: str, viewer: User | None) -> BundlePublicRead:
    """A bundle as visitors see it: its courses and what they cost one by one."""
    bundle, listed = await _on_sale(db=db, bundle_id=bundle_id, viewer=viewer)
    summaries = await courses.summaries(db=db, courses=listed)
    separate = _separate(bundle, listed)
    return BundlePublicRead(
        id=bundle.id,
        title=bundle.title,
        description=bundle.description,
        instructor_name=summaries[0].instructor_name if summaries else "",
        price=bundle.price,
        courses=summaries,
        separate_amount=separate,
    )


async def checkout(
    *, db: Database, settings: Settings, user: User, bundle_id: str, coupon: str | None
) -> CheckoutRead:
    """Creates one order for the whole bundle at the bundle's price (P7); a coupon applies
    only if it is site-wide."""
    bundle, listed = await _on_sale(db=db, bundle_id=bundle_id, viewer=None)
    # Owned for good (a membership's grant ends: a member may buy the bundle to keep it).
    owned = [await enrollments.owns(db=db, user_id=user.id, course_id=c["_id"]) for c in listed]
    if all(owned):
        raise errors.already_enrolled()
    purchase = payments.Purchase(
        kind=OrderKind.bundle,
        title=bundle.title,
        list_amount=bundle.price.amount,
        currency=bundle.price.currency,
        instructor_id=bundle.instructor_id,
        fields={"bundle_id": bundle.id, "course_ids": list(bundle.course_ids)},
    )
    return await payments.place_order(
        db=db, settings=settings, user=user, purchase=purchase, coupon=coupon
    )
