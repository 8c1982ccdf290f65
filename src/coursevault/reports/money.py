"""The money pages: what was sold, per order kind and currency, and the membership figures;
an instructor's own (their courses, bundles and plans) or, for an admin, the whole site's."""

from __future__ import annotations

from coursevault.auth.models import Role, User
from coursevault.database.db import Database
from coursevault.memberships import money as memberships
from coursevault.payments import orders
from coursevault.reports.models import MoneyReport, MoneyScope


async def money_report(*, db: Database, user: User) -> MoneyReport:
    """One-time sales (course, bundle, gift, seats: paid, refunded, net and count per
    currency) and memberships (MRR, members active and past due, churn over 30 days)."""
    site = Role.admin in user.roles
    return MoneyReport(
        scope=MoneyScope.site if site else MoneyScope.instructor,
        sales=await orders.revenue_by_kind(db=db, instructor_id=None if site else user.id),
        memberships=await memberships.membership_money(db=db, user=user),
    )
