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


def _lines(order: Document) -> list[str]:
    lines = [
        f"Course: {order['course_title']}",
        f"Order: {order['_id']}",
        f"Amount: {money(order['amount'], order['currency'])}",
    ]
    if order.get("coupon"):
        listed = money(order["list_amount"], order["currency"])
        lines.append(f"Coupon {order['coupon']} (list price {listed})")
    return lines


def receipt(settings: Settings, order: Document, greeting: str, to: str) -> Message:
    return compose(
        to=to,
        subject=f"Your receipt for {order['course_title']}",
        greeting=greeting,
        paragraphs=["Thank you for your purchase. You can start learning now.", *_lines(order)],
        action=Action(
            label="Open the course",
            url=urls.absolute(settings.public_url, urls.course_page(order["course_id"])),
        ),
    )


def refund_notice(settings: Settings, order: Document, greeting: str, to: str) -> Message:
    return compose(
        to=to,
        subject=f"Your refund for {order['course_title']}",
        greeting=greeting,
        paragraphs=[
            "Your order was refunded; the money goes back to your original payment method "
            "(your bank may take a few days to show it). Access to the course has ended.",
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
