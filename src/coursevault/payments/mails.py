"""The messages money sends: a receipt when an order is paid, a notice when it is
refunded. Each goes out once per order, however many events announce it."""

from __future__ import annotations

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.http import urls
from coursevault.mail import jobs as mail
from coursevault.mail.message import Action, Message, compose
from coursevault.payments.models import OrderState

# ISO 4217 currencies without minor units: their amounts are already whole.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def money(amount: int, currency: str) -> str:
    """Formats AMOUNT in minor units, e.g. 4900 usd → "49.00 USD"."""
    if currency.lower() in ZERO_DECIMAL:
        return f"{amount:,} {currency.upper()}"
    return f"{amount // 100:,}.{amount % 100:02d} {currency.upper()}"


def _bought(order: Document) -> list[str]:
    """The lines that say what ORDER bought, by its kind."""
    kind = order.get("kind") or "course"
    if kind == "bundle":
        return [f"Bundle: {order['course_title']} ({len(order.get('course_ids') or [])} courses)"]
    if kind == "gift":
        return [f"Gift: {order['course_title']}", f"For: {order['recipient_email']}"]
    if kind == "seats":
        return [f"Seats: {order['quantity']} × {order['course_title']}"]
    return [f"Course: {order['course_title']}"]


def _lines(order: Document) -> list[str]:
    lines = [
        *_bought(order),
        f"Order: {order['_id']}",
        f"Amount: {money(order['amount'], order['currency'])}",
    ]
    if order.get("coupon"):
        listed = money(order["list_amount"], order["currency"])
        lines.append(f"Coupon {order['coupon']} (list price {listed})")
    return lines


# What the receipt says, and where its button goes, by the order's kind.
_THANKS = {
    "course": "Thank you for your purchase. You can start learning now.",
    "bundle": "Thank you for your purchase. Every course of the bundle is open to you now.",
    "gift": "Thank you for your gift. We have mailed its recipient a link to claim it.",
    "seats": "Thank you for your purchase. Hand the seats out to your team by email.",
}


def _action(settings: Settings, order: Document) -> Action:
    kind = order.get("kind") or "course"
    if kind == "course":
        label, path = "Open the course", urls.course_page(order["course_id"])
    elif kind == "bundle":
        label, path = "Open my courses", urls.my_courses_page()
    elif kind == "gift":
        label, path = "See my gifts", urls.my_gifts_page()
    else:
        label, path = "Manage the seats", urls.my_teams_page()
    return Action(label=label, url=urls.absolute(settings.public_url, path))


def receipt(settings: Settings, order: Document, greeting: str, to: str) -> Message:
    return compose(
        to=to,
        subject=f"Your receipt for {order['course_title']}",
        greeting=greeting,
        paragraphs=[_THANKS[order.get("kind") or "course"], *_lines(order)],
        action=_action(settings, order),
    )


def refund_notice(settings: Settings, order: Document, greeting: str, to: str) -> Message:
    ended = {
        "course": "Access to the course has ended.",
        "bundle": "Access to the bundle's courses has ended.",
        "gift": "The gift can no longer be claimed (or, if it was, its access has ended).",
        "seats": "These seats are no longer available to your team.",
    }[order.get("kind") or "course"]
    return compose(
        to=to,
        subject=f"Your refund for {order['course_title']}",
        greeting=greeting,
        paragraphs=[
            "Your order was refunded; the money goes back to your original payment method "
            f"(your bank may take a few days to show it). {ended}",
            *_lines(order),
        ],
    )


@mail.never_breaks
async def announce(*, db: Database, settings: Settings, order: Document, state: OrderState) -> None:
    """Queues the buyer's receipt (paid) or refund notice (refunded) for ORDER, once each."""
    build = {OrderState.paid: receipt, OrderState.refunded: refund_notice}.get(state)
    if build is None or not settings.mail_enabled:
        return
    buyer = await auth.get_user(db=db, user_id=order["user_id"])
    if buyer is None:
        return
    message = build(settings, order, auth.greeting(buyer), buyer.email)
    await mail.queue(db=db, settings=settings, message=message, once=f"{state}:{order['_id']}")
