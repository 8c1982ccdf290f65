"""Chained dependencies: a plan the caller may change, a membership the caller may see,
one of the caller's own memberships."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from coursevault.auth.deps import CurrentUser, Instructor
from coursevault.http.deps import Db
from coursevault.memberships import plans, service
from coursevault.memberships.models import Membership, MembershipPlan


async def managed_plan(plan_id: str, user: Instructor, db: Db) -> MembershipPlan:
    return await plans.managed_plan(db=db, plan_id=plan_id, user=user)


async def visible_membership(membership_id: str, user: CurrentUser, db: Db) -> Membership:
    return await service.membership_for(db=db, membership_id=membership_id, user=user)


async def own_membership(membership_id: str, user: CurrentUser, db: Db) -> Membership:
    return await service.own_membership(db=db, membership_id=membership_id, user=user)


ManagedPlan = Annotated[MembershipPlan, Depends(managed_plan)]
VisibleMembership = Annotated[Membership, Depends(visible_membership)]
OwnMembership = Annotated[Membership, Depends(own_membership)]
