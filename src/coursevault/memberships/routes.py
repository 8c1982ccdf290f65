"""HTTP routes for membership plans, subscribing, a member's memberships and the local test
subscriptions (the money figures are served by the money pages, `reports/`)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from coursevault.auth.deps import CurrentUser, Instructor, OptionalUser
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import AppSettings, Db
from coursevault.memberships import plans, service
from coursevault.memberships.deps import ManagedPlan, OwnMembership, VisibleMembership
from coursevault.memberships.models import (
    LocalSubscriptionIn,
    MembershipPage,
    MembershipPlanCreate,
    MembershipPlanPage,
    MembershipPlanRead,
    MembershipPlanUpdate,
    MembershipRead,
    SubscribeIn,
)

router = APIRouter(prefix="/api", tags=["memberships"], responses=ERROR_RESPONSES)


@router.get("/membership-plans", operation_id="listMembershipPlans")
async def list_plans(db: Db, settings: AppSettings) -> MembershipPlanPage:
    """The pricing page: active plans with their published courses (no sign-in needed)."""
    return await plans.plan_page(db=db, settings=settings)


@router.post(
    "/membership-plans", status_code=status.HTTP_201_CREATED, operation_id="createMembershipPlan"
)
async def create_plan(
    plan_in: MembershipPlanCreate, user: Instructor, db: Db
) -> MembershipPlanRead:
    plan = await plans.create_plan(db=db, user=user, plan_in=plan_in)
    return await plans.to_read(db=db, plan=plan)


@router.get("/me/membership-plans", operation_id="myMembershipPlans")
async def my_plans(user: Instructor, db: Db) -> list[MembershipPlanRead]:
    """The plans the caller may change (an admin: every plan)."""
    return await plans.managed_plans(db=db, user=user)


@router.get("/membership-plans/{plan_id}", operation_id="getMembershipPlan")
async def get_plan(plan_id: str, viewer: OptionalUser, db: Db) -> MembershipPlanRead:
    plan = await plans.visible_plan(db=db, plan_id=plan_id, viewer=viewer)
    return await plans.to_read(db=db, plan=plan)


@router.patch("/membership-plans/{plan_id}", operation_id="updateMembershipPlan")
async def update_plan(
    plan: ManagedPlan, plan_in: MembershipPlanUpdate, user: Instructor, db: Db
) -> MembershipPlanRead:
    """Changes a plan; new courses open for its current members at once."""
    updated = await plans.update_plan(db=db, user=user, plan=plan, plan_in=plan_in)
    return await plans.to_read(db=db, plan=updated)


@router.delete(
    "/membership-plans/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteMembershipPlan",
)
async def delete_plan(plan: ManagedPlan, db: Db) -> Response:
    await plans.delete_plan(db=db, plan=plan)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/membership-plans/{plan_id}/subscribe",
    status_code=status.HTTP_201_CREATED,
    operation_id="subscribeToPlan",
)
async def subscribe(
    plan_id: str, subscribe_in: SubscribeIn, user: CurrentUser, db: Db, settings: AppSettings
) -> MembershipRead:
    """Subscribes at the plan's own price (Stripe: with the card's PaymentMethod; else the
    local test checkout, whose page completes it)."""
    membership = await service.subscribe(
        db=db, settings=settings, user=user, plan_id=plan_id, subscribe_in=subscribe_in
    )
    return service.to_read(membership)


@router.get("/me/memberships", operation_id="myMemberships")
async def my_memberships(user: CurrentUser, db: Db) -> MembershipPage:
    return await service.my_memberships(db=db, user=user)


@router.get("/memberships/{membership_id}", operation_id="getMembership")
async def get_membership(membership: VisibleMembership) -> MembershipRead:
    return service.to_read(membership)


@router.post("/memberships/{membership_id}/cancel", operation_id="cancelMembership")
async def cancel(membership: OwnMembership, db: Db, settings: AppSettings) -> MembershipRead:
    """Cancels at the end of the paid period: access holds until then."""
    updated = await service.set_cancelling(
        db=db, settings=settings, membership=membership, cancel=True
    )
    return service.to_read(updated)


@router.post("/memberships/{membership_id}/resume", operation_id="resumeMembership")
async def resume(membership: OwnMembership, db: Db, settings: AppSettings) -> MembershipRead:
    """Takes back a cancellation before the period ends."""
    updated = await service.set_cancelling(
        db=db, settings=settings, membership=membership, cancel=False
    )
    return service.to_read(updated)


@router.post("/memberships/{membership_id}/local", operation_id="simulateLocalMembership")
async def simulate_local(
    membership: OwnMembership, local_in: LocalSubscriptionIn, db: Db, settings: AppSettings
) -> MembershipRead:
    """The local test checkout (development only): a payment, renewal, failure, recovery,
    cancellation at the provider or deletion of the test subscription."""
    updated = await service.simulate_local(
        db=db, settings=settings, membership=membership, action=local_in.action
    )
    return service.to_read(updated)
