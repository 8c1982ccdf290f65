"""The messages memberships send: a receipt for each paid invoice, a notice for each
invoice whose payment failed. Each goes out once per invoice (the queue's `once` key),
however many events and re-reads report it; each in the member's language."""

from __future__ import annotations

from datetime import datetime

from coursevault.auth import service as auth
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.http import urls
from coursevault.i18n import Msg, msg
from coursevault.mail import jobs as mail
from coursevault.mail.message import Action, Message, compose
from coursevault.memberships.models import Interval, InvoiceFacts, Membership
from coursevault.payments.mails import money

_EVERY = {Interval.month: msg("monthly"), Interval.year: msg("yearly")}


def _lines(membership: Membership, invoice_id: str, facts: InvoiceFacts) -> list[Msg]:
    amount = facts.amount or membership.amount
    return [
        msg(
            "Plan: {plan} ({interval})",
            plan=membership.plan_title,
            interval=_EVERY[membership.interval],
        ),
        msg("Invoice: {invoice}", invoice=invoice_id),
        msg("Amount: {amount}", amount=money(amount, facts.currency or membership.currency)),
    ]


def _memberships(settings: Settings) -> Action:
    return Action(
        label=msg("Your memberships"),
        url=urls.absolute(settings.public_url, urls.memberships_page()),
    )


def receipt(
    settings: Settings,
    membership: Membership,
    invoice_id: str,
    facts: InvoiceFacts,
    member: User,
) -> Message:
    paragraphs = [
        msg("Thank you: your membership is paid."),
        *_lines(membership, invoice_id, facts),
    ]
    if facts.period_end is not None:
        paragraphs.append(msg("Paid through: {end:%Y-%m-%d}", end=facts.period_end))
    return compose(
        to=member.email,
        language=member.language,
        subject=msg("Your receipt for {title}", title=membership.plan_title),
        greeting=auth.greeting(member),
        paragraphs=paragraphs,
        action=_memberships(settings),
    )


def payment_failed(
    settings: Settings,
    membership: Membership,
    invoice_id: str,
    facts: InvoiceFacts,
    member: User,
    access_until: datetime,
) -> Message:
    return compose(
        to=member.email,
        language=member.language,
        subject=msg("Your payment for {title} failed", title=membership.plan_title),
        greeting=auth.greeting(member),
        paragraphs=[
            msg(
                "We could not take the payment for your membership. Your courses stay open "
                "until {until:%Y-%m-%d %H:%M} UTC; update your card before then to keep them.",
                until=access_until,
            ),
            *_lines(membership, invoice_id, facts),
        ],
        action=_memberships(settings),
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
    if facts.paid:
        message = receipt(settings, membership, invoice_id, facts, member)
        once = f"membership-receipt:{invoice_id}"
    elif access_until is not None:
        message = payment_failed(settings, membership, invoice_id, facts, member, access_until)
        once = f"membership-payment-failed:{invoice_id}"
    else:
        return
    await mail.queue(db=db, settings=settings, message=message, once=once)
