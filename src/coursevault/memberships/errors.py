"""Membership plan, subscription and local test subscription errors."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import msg


def plan_not_found() -> AppError:
    return AppError(404, ErrorCode.plan_not_found, msg("No such membership plan."))


def membership_not_found() -> AppError:
    return AppError(404, ErrorCode.membership_not_found, msg("No such membership."))


def all_courses_forbidden() -> AppError:
    return AppError(403, ErrorCode.forbidden, msg("Only admins can make a plan of all courses."))


def invalid_plan_courses(course_ids: list[str]) -> AppError:
    return AppError(
        422,
        ErrorCode.invalid_plan_courses,
        msg("A plan can only hold courses that exist (and, for an instructor, their own)."),
        detail={"course_ids": course_ids},
    )


def plan_in_use() -> AppError:
    return AppError(
        409,
        ErrorCode.plan_in_use,
        msg("This plan has had members: make it inactive instead of deleting it."),
    )


def interval_not_offered(interval: str) -> AppError:
    return AppError(
        422,
        ErrorCode.interval_not_offered,
        msg("This plan has no {interval}ly price.", interval=interval),
    )


def already_member() -> AppError:
    return AppError(409, ErrorCode.already_member, msg("You are already a member of this plan."))


def payment_method_required() -> AppError:
    return AppError(
        422,
        ErrorCode.payment_method_required,
        msg("A card (payment_method) is needed to subscribe."),
    )


def card_declined(reason: str) -> AppError:
    return AppError(
        402,
        ErrorCode.card_declined,
        msg("The card was declined; nothing was charged."),
        detail={"reason": reason[:300]},
    )


def membership_not_active() -> AppError:
    return AppError(
        409, ErrorCode.membership_not_active, msg("This membership has ended or has not started.")
    )


def not_a_test_membership() -> AppError:
    return AppError(
        409,
        ErrorCode.not_a_test_membership,
        msg("This membership is not paid through the test checkout."),
    )


def local_action_not_allowed(action: str, status: str) -> AppError:
    return AppError(
        409,
        ErrorCode.local_action_not_allowed,
        msg(
            "A test subscription that is {status} cannot do {action}.", status=status, action=action
        ),
    )


def sync_conflict() -> AppError:
    return AppError(
        409, ErrorCode.conflict, msg("The membership changed while it was updated; try again.")
    )
