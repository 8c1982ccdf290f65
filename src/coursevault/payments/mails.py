"""The messages money sends: a receipt when an order is paid, a notice when it is
refunded. Each goes out once per order, however many events announce it, in the buyer's
language."""

from __future__ import annotations

from coursevault.auth import service as auth
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.http import urls
from coursevault.i18n import Msg, msg
from coursevault.mail import jobs as mail
from coursevault.mail.message import Action, Message, compose
from coursevault.payments.models import OrderState

# ISO 4217 currencies without minor units: their amounts are already whole.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def money(amount: int, currency: str) -> Msg:
    """AMOUNT in minor units, e.g. 4900 usd → "49.00 USD" ("49,00 USD" in German)."""
    if currency.lower() in ZERO_DECIMAL:
        return msg("{amount:,} {currency}", amount=amount, currency=currency.upper())
    return msg(
        "{major:,}.{minor:02d} {currency}",
        major=amount // 100,
        minor=amount % 100,
        currency=currency.upper(),
    )


def _bought(order: Document) -> list[Msg]:
    """The lines that say what ORDER bought, by its kind."""
    kind = order.get("kind") or "course"
    title = order["course_title"]
    if kind == "bundle":
        count = len(order.get("course_ids") or [])
        return [msg("Bundle: {title} ({count} courses)", title=title, count=count)]
    if kind == "gift":
        return [
            msg("Gift: {title}", title=title),
            msg("For: {email}", email=order["recipient_email"]),
        ]
    if kind == "seats":
        return [msg("Seats: {quantity} × {title}", quantity=order["quantity"], title=title)]
    return [msg("Course: {title}", title=title)]


def _lines(order: Document) -> list[Msg]:
    lines = [
        *_bought(order),
        msg("Order: {order}", order=order["_id"]),
        msg("Amount: {amount}", amount=money(order["amount"], order["currency"])),
    ]
    if order.get("coupon"):
        listed = money(order["list_amount"], order["currency"])
        lines.append(
            msg("Coupon {code} (list price {listed})", code=order["coupon"], listed=listed)
        )
    return lines


# What the receipt says, and where its button goes, by the order's kind.
_THANKS = {
    "course": msg("Thank you for your purchase. You can start learning now."),
    "bundle": msg("Thank you for your purchase. Every course of the bundle is open to you now."),
    "gift": msg("Thank you for your gift. We have mailed its recipient a link to claim it."),
    "seats": msg("Thank you for your purchase. Hand the seats out to your team by email."),
}


def _action(settings: Settings, order: Document) -> Action:
    kind = order.get("kind") or "course"
    if kind == "course":
        label, path = msg("Open the course"), urls.course_page(order["course_id"])
    elif kind == "bundle":
        label, path = msg("Open my courses"), urls.my_courses_page()
    elif kind == "gift":
        label, path = msg("See my gifts"), urls.my_gifts_page()
    else:
        label, path = msg("Manage the seats"), urls.my_teams_page()
    return Action(label=label, url=urls.absolute(settings.public_url, path))


def receipt(settings: Settings, order: Document, buyer: User) -> Message:
    return compose(
        to=buyer.email,
        language=buyer.language,
        subject=msg("Your receipt for {title}", title=order["course_title"]),
        greeting=auth.greeting(buyer),
        paragraphs=[_THANKS[order.get("kind") or "course"], *_lines(order)],
        action=_action(settings, order),
    )


_ENDED = {
    "course": msg("Access to the course has ended."),
    "bundle": msg("Access to the bundle's courses has ended."),
    "gift": msg("The gift can no longer be claimed (or, if it was, its access has ended)."),
    "seats": msg("These seats are no longer available to your team."),
}


def refund_notice(settings: Settings, order: Document, buyer: User) -> Message:
    return compose(
        to=buyer.email,
        language=buyer.language,
        subject=msg("Your refund for {title}", title=order["course_title"]),
        greeting=auth.greeting(buyer),
        paragraphs=[
            msg(
                "Your order was refunded; the money goes back to your original payment method "
                "(your bank may take a few days to show it). {ended}",
                ended=_ENDED[order.get("kind") or "course"],
            ),
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
    message = build(settings, order, buyer)
    await mail.queue(db=db, settings=settings, message=message, once=f"{state}:{order['_id']}")
