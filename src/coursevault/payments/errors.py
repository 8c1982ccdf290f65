"""Checkout, order, coupon, refund and webhook errors."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import Msg, msg


def order_not_found() -> AppError:
    return AppError(404, ErrorCode.order_not_found, msg("No such order."))


def course_not_found() -> AppError:
    return AppError(404, ErrorCode.course_not_found, msg("No such course."))


def course_is_free() -> AppError:
    return AppError(409, ErrorCode.course_is_free, msg("This course is free: enroll instead."))


# What travels by mail, in the reader's language (callers name it in English).
_SOLD = {"a gift": msg("a gift"), "a seat": msg("a seat")}


def mail_disabled(sold: str) -> AppError:
    """What is SOLD (a gift, seats) travels by mail, and this site sends none."""
    return AppError(
        503,
        ErrorCode.mail_disabled,
        msg(
            "This site sends no email, so {sold} could not reach anyone.",
            sold=_SOLD.get(sold, sold),
        ),
    )


def already_enrolled() -> AppError:
    return AppError(409, ErrorCode.already_enrolled, msg("You already have this course."))


def payment_required() -> AppError:
    return AppError(402, ErrorCode.payment_required, msg("This course is paid: check out first."))


def invalid_coupon() -> AppError:
    return AppError(
        422, ErrorCode.invalid_coupon, msg("This coupon does not apply to this course.")
    )


def coupon_expired() -> AppError:
    return AppError(422, ErrorCode.coupon_expired, msg("This coupon has expired or is used up."))


def coupon_exists() -> AppError:
    return AppError(409, ErrorCode.coupon_exists, msg("A coupon with this code already exists."))


def site_coupon_forbidden() -> AppError:
    return AppError(403, ErrorCode.forbidden, msg("Only admins can create site-wide coupons."))


def not_a_test_order() -> AppError:
    return AppError(
        409, ErrorCode.not_a_test_order, msg("This order is not paid through the test checkout.")
    )


def payment_not_open() -> AppError:
    return AppError(409, ErrorCode.payment_not_open, msg("This test payment was already settled."))


def not_refundable(state: str) -> AppError:
    return AppError(
        409,
        ErrorCode.not_refundable,
        msg("An order that is {state} cannot be refunded.", state=state),
    )


def refund_window_closed(days: int) -> AppError:
    return AppError(
        403,
        ErrorCode.refund_window_closed,
        msg("Instructors can refund within {days} days; ask an admin.", days=days),
    )


def provider_error(exc: Exception) -> AppError:
    return AppError(
        502,
        ErrorCode.payment_provider_error,
        msg("The payment provider did not answer as expected."),
        detail={"reason": str(exc)[:300]},
    )


_NOT_SET_UP = msg("Payments are not set up on this site yet.")


def payments_not_configured(message: Msg = _NOT_SET_UP) -> AppError:
    return AppError(503, ErrorCode.payments_not_configured, message)


def stripe_not_configured() -> AppError:
    """An order or membership Stripe took, on a site whose Stripe keys are gone."""
    return payments_not_configured(msg("Stripe is not configured."))


def bad_signature(reason: str) -> AppError:
    return AppError(400, ErrorCode.invalid_signature, f"Webhook rejected: {reason}.")
