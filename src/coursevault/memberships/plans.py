"""Membership plans: who makes and changes them, what they open, the pricing page.

Admins make plans of every course (those published later included: the grants' scope
says "all") or of chosen courses; instructors of chosen courses of their own. A change of
a plan's courses reaches its current members at once (`enrollments.set_plan_scope`,
versioned by the plan's `version`).
"""

from __future__ import annotations

from bson import ObjectId

from coursevault import clock
from coursevault.auth.models import Role, User
from coursevault.config import Settings
from coursevault.courses import service as courses
from coursevault.courses.models import CourseStatus
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.memberships import errors, providers, repo
from coursevault.memberships.models import (
    MembershipPlan,
    MembershipPlanCreate,
    MembershipPlanPage,
    MembershipPlanRead,
    MembershipPlanUpdate,
)
from coursevault.payments.models import Provider

LISTED_COURSES = 100  # a plan of all courses shows the catalog's first page


def _is_admin(user: User) -> bool:
    return Role.admin in user.roles


async def _check_scope(
    *, db: Database, user: User, all_courses: bool, course_ids: list[str]
) -> None:
    """403 for an instructor's plan of all courses; 422 naming the courses that do not
    exist or (for an instructor) are not theirs."""
    if all_courses and not _is_admin(user):
        raise errors.all_courses_forbidden()
    found = await courses.courses_by_id(db=db, course_ids=course_ids)
    refused = [
        course_id
        for course_id in course_ids
        if course_id not in found
        or not (_is_admin(user) or found[course_id]["instructor_id"] == user.id)
    ]
    if refused or (not all_courses and not course_ids):
        raise errors.invalid_plan_courses(refused)


async def create_plan(*, db: Database, user: User, plan_in: MembershipPlanCreate) -> MembershipPlan:
    course_ids = list(dict.fromkeys(plan_in.course_ids))
    await _check_scope(db=db, user=user, all_courses=plan_in.all_courses, course_ids=course_ids)
    now = clock.now()
    plan = MembershipPlan(
        id=str(ObjectId()),
        title=plan_in.title,
        description=plan_in.description,
        owner_id=user.id,
        all_courses=plan_in.all_courses,
        course_ids=course_ids,
        prices=plan_in.prices,
        active=True,
        created_at=now,
        updated_at=now,
    )
    await repo.insert_plan(db=db, plan=plan)
    return plan


async def managed_plan(*, db: Database, plan_id: str, user: User) -> MembershipPlan:
    """The plan if USER may change it (its owner, or an admin); 404 otherwise."""
    plan = await repo.get_plan(db=db, plan_id=plan_id)
    if plan is None or not (_is_admin(user) or plan.owner_id == user.id):
        raise errors.plan_not_found()
    return plan


async def update_plan(
    *, db: Database, user: User, plan: MembershipPlan, plan_in: MembershipPlanUpdate
) -> MembershipPlan:
    changes = {k: v for k, v in plan_in.model_dump(exclude_unset=True).items() if v is not None}
    all_courses = changes.get("all_courses", plan.all_courses)
    if all_courses:
        course_ids: list[str] = []
    else:
        course_ids = list(dict.fromkeys(changes.get("course_ids", plan.course_ids)))
    scope_changed = (all_courses, course_ids) != (plan.all_courses, plan.course_ids)
    if scope_changed:
        await _check_scope(db=db, user=user, all_courses=all_courses, course_ids=course_ids)
    fields: Document = {**changes, "all_courses": all_courses, "course_ids": course_ids}
    updated = await repo.update_plan(
        db=db, plan_id=plan.id, fields=fields, scope_changed=scope_changed
    )
    if updated is None:
        raise errors.plan_not_found()
    # Every change (not only one of the courses) brings the members' grants up to the
    # plan's version: one that died before this line is completed by the next change, and
    # a racing change's older courses never overwrite newer ones. Members' own syncs also
    # write the plan's current courses into their grants (`events.settle_grant`).
    await enrollments.set_plan_scope(
        db=db, plan_id=plan.id, scope=updated.scope(), version=updated.version
    )
    return updated


async def delete_plan(*, db: Database, plan: MembershipPlan) -> None:
    """Deletes a plan nobody ever joined; one with members is made inactive instead (409)."""
    if await repo.plan_has_memberships(db=db, plan_id=plan.id):
        raise errors.plan_in_use()
    await repo.delete_plan(db=db, plan_id=plan.id)


async def get_for_sale(*, db: Database, plan_id: str) -> MembershipPlan:
    """An active plan (404 for a missing or inactive one)."""
    plan = await repo.get_plan(db=db, plan_id=plan_id)
    if plan is None or not plan.active:
        raise errors.plan_not_found()
    return plan


async def visible_plan(*, db: Database, plan_id: str, viewer: User | None) -> MembershipPlan:
    """An active plan for anyone; an inactive one for its owner and admins only."""
    plan = await repo.get_plan(db=db, plan_id=plan_id)
    if plan is None:
        raise errors.plan_not_found()
    if not plan.active and not (viewer and (_is_admin(viewer) or viewer.id == plan.owner_id)):
        raise errors.plan_not_found()
    return plan


async def to_read(*, db: Database, plan: MembershipPlan) -> MembershipPlanRead:
    """The plan with the published courses it opens."""
    if plan.all_courses:
        page = await courses.catalog(db=db, query="", page=1, per_page=LISTED_COURSES)
        summaries, count = page.items, page.total
    else:
        by_id = await courses.courses_by_id(db=db, course_ids=plan.course_ids)
        published = [
            by_id[c]
            for c in plan.course_ids
            if c in by_id and by_id[c]["status"] == CourseStatus.published
        ]
        summaries, count = await courses.summaries(db=db, courses=published), len(published)
    return MembershipPlanRead(
        id=plan.id,
        title=plan.title,
        description=plan.description,
        owner_id=plan.owner_id,
        all_courses=plan.all_courses,
        course_ids=plan.course_ids,
        courses=summaries,
        course_count=count,
        prices=plan.prices,
        active=plan.active,
        created_at=plan.created_at,
    )


async def plan_page(*, db: Database, settings: Settings) -> MembershipPlanPage:
    """The pricing page: every active plan, and how a card is collected here."""
    provider = providers.checkout_provider(settings)
    stripe = provider is Provider.stripe
    return MembershipPlanPage(
        items=[
            await to_read(db=db, plan=plan)
            for plan in await repo.list_plans(db=db, active_only=True)
        ],
        provider=provider,
        publishable_key=settings.stripe_publishable_key if stripe else None,
        stripe_js_url=settings.stripe_js_url if stripe else None,
    )


async def managed_plans(*, db: Database, user: User) -> list[MembershipPlanRead]:
    """The plans USER may change: an admin's are all of them."""
    owner = None if _is_admin(user) else user.id
    return [await to_read(db=db, plan=p) for p in await repo.list_plans(db=db, owner_id=owner)]
