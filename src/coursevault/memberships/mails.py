"""The messages memberships send: a receipt for each paid invoice, a notice for each
invoice whose payment failed. Each goes out once per invoice (the queue's `once` key),
however many events and re-reads report it."""

from __future__ import annotations

from datetime import datetime

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.http import urls
from coursevault.mail import jobs as mail
from coursevault.mail.message import Action, Message, compose
from coursevault.memberships.models import InvoiceFacts, Membership
from coursevault.payments.mails import money


def _lines(membership: Membership, invoice_id: str, facts: InvoiceFacts) -> list[str]:
    amount = facts.amount or membership.amount
    return [
        f"Plan: {membership.plan_title} ({membership.interval.value}ly)",
        f"Invoice: {invoice_id}",
        f"Amount: {money(amount, facts.currency or membership.currency)}",
    ]


def receipt(
    settings: Settings,
    membership: Membership,
    invoice_id: str,
    facts: InvoiceFacts,
    to: str,
    greeting: str,
) -> Message:
    paragraphs = ["Thank you: your membership is paid.", *_lines(membership, invoice_id, facts)]
    if facts.period_end is not None:
        paragraphs.append(f"Paid through: {facts.period_end:%Y-%m-%d}")
    return compose(
        to=to,
        subject=f"Your receipt for {membership.plan_title}",
        greeting=greeting,
        paragraphs=paragraphs,
        action=Action(
            label="Your memberships",
            url=urls.absolute(settings.public_url, urls.memberships_page()),
        ),
    )


def payment_failed(
    settings: Settings,
    membership: Membership,
    invoice_id: str,
    facts: InvoiceFacts,
    to: str,
    greeting: str,
    access_until: datetime,
) -> Message:
    return compose(
        to=to,
        subject=f"Your payment for {membership.plan_title} failed",
        greeting=greeting,
        paragraphs=[
            "We could not take the payment for your membership. Your courses stay open "
            f"until {access_until:%Y-%m-%d %H:%M} UTC; update your card before then to keep them.",
            *_lines(membership, invoice_id, facts),
        ],
        action=Action(
            label="Your memberships",
            url=urls.absolute(settings.public_url, urls.memberships_page()),
        ),
    )


@mail.never_breaks
async def announce(
    *,
    db: Database,
    settings: Settings,
    membership: Membership,
    invoice_id: str,
    facts: InvoiceFacts,
    access_until: datetime | None = None,
) -> None:
    """Queues the receipt (FACTS paid) or the failure notice (ACCESS_UNTIL given) of one
    invoice, once."""
    if not settings.mail_enabled:
        return
    member = await auth.get_user(db=db, user_id=membership.user_id)
    if member is None:
        return
    greeting = auth.greeting(member)
    if facts.paid:
        message = receipt(settings, membership, invoice_id, facts, member.email, greeting)
        once = f"membership-receipt:{invoice_id}"
    elif access_until is not None:
        message = payment_failed(
            settings, membership, invoice_id, facts, member.email, greeting, access_until
        )
        once = f"membership-payment-failed:{invoice_id}"
    else:
        return
    await mail.queue(db=db, settings=settings, message=message, once=once)
