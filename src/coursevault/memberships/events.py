"""Provider events → membership state, in any order (P9), and access that follows it (P10).

Every `customer.subscription.*` or `invoice.*` event of a subscription we know is handled
the same way: record the facts it carries that only accumulate (an invoice paid, the
first failure of an invoice), read the subscription again from the provider, and derive
the state from that snapshot and the facts (`derive.py`). A state is written only over
the version it was derived from, so of handlers racing (Stripe sends events at once, in
no order) the last write was derived after every fact before it; the grant then follows
the membership's latest version.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from coursevault import clock
from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource, GrantState
from coursevault.memberships import errors, mails, providers, repo
from coursevault.memberships.derive import InvoiceSnapshot, ProviderEvent, derive
from coursevault.memberships.models import (
    ACCESS_STATUSES,
    DISPUTE_CLOSED,
    INVOICE_ID,
    InvoiceFacts,
    Membership,
    MembershipPlan,
    MembershipStatus,
)
from coursevault.memberships.providers import SubscriptionProvider
from coursevault.payments import access as payment_access
from coursevault.payments.models import Provider
from coursevault.streaming import service as playback

log = logging.getLogger("coursevault.memberships")

ATTEMPTS = 20  # compare-and-set rounds before giving up (the provider then sends again)
FAILED = "invoice.payment_failed"


def grace(settings: Settings) -> timedelta:
    return timedelta(days=settings.membership_grace_days)


# ---- Stripe's events ---------------------------------------------------------------------


def from_stripe(event: dict[str, Any]) -> ProviderEvent | None:
    """The subscription (and invoice) a Stripe event names; None when it names none."""
    obj = (event.get("data") or {}).get("object") or {}
    kind = str(event.get("type", ""))
    invoice_id = None
    if kind.startswith("invoice."):
        snapshot = providers.stripe_invoice({"id": obj.get("id", ""), **obj})
        subscription_id, invoice_id = snapshot.subscription_id, snapshot.id
    else:
        subscription_id = obj.get("id")
    created = providers.stripe_time(event.get("created")) or clock.now()
    if not isinstance(subscription_id, str) or not subscription_id:
        return None
    if invoice_id is not None and not re.match(INVOICE_ID, invoice_id):
        invoice_id = None
    return ProviderEvent(
        id=str(event.get("id")),
        kind=kind,
        subscription_id=subscription_id,
        invoice_id=invoice_id,
        created=created,
    )


async def on_stripe_event(*, db: Database, settings: Settings, event: dict[str, Any]) -> bool:
    """The hook payments' webhook hands every verified, newly stored event (P2): takes
    subscription and invoice events (True), ignoring, with a log line, those of
    subscriptions we do not know; leaves the others to payments (False)."""
    kind = str(event.get("type", ""))
    if not kind.startswith(("customer.subscription.", "invoice.")):
        return False
    parsed = from_stripe(event)
    membership = None
    if parsed is not None:
        membership = await repo.membership_by_subscription(
            db=db, subscription_id=parsed.subscription_id
        )
        if membership is None:
            membership = await _adopt(
                db=db, settings=settings, subscription_id=parsed.subscription_id
            )
    if parsed is None or membership is None:
        log.info(
            "stripe event %s (%s) is not about one of our subscriptions", event.get("id"), kind
        )
        return True
    await apply(db=db, settings=settings, membership=membership, event=parsed)
    return True


async def _adopt(*, db: Database, settings: Settings, subscription_id: str) -> Membership | None:
    """A subscription our subscribe made but did not record (the process died between
    Stripe's answer and our write, or the event came first): Stripe's own copy names our
    membership, its user and price in its metadata; it is recorded if all of them match."""
    if not subscription_id.startswith("sub_") or not providers.stripe_configured(settings):
        return None
    provider = providers.StripeSubscriptions(settings, db)
    try:
        snapshot = await provider.subscription(subscription_id=subscription_id)
    except providers.NotAtProvider:
        log.info("subscription %s is not known to Stripe either", subscription_id)
        return None
    # Any other failure (Stripe away, a timeout) propagates: the webhook answers 5xx, the
    # event stays unprocessed (P2) and Stripe sends it again.
    found = await repo.get_membership(
        db=db, membership_id=snapshot.metadata.get("membership_id", "")
    )
    if (
        found is None
        or found.provider is not Provider.stripe
        or found.provider_subscription_id is not None
        or found.status is not MembershipStatus.pending
        or snapshot.metadata.get("user_id") != found.user_id
        or snapshot.price_id != found.provider_price_id
    ):
        return None
    return await repo.set_subscription(db=db, membership_id=found.id, subscription_id=snapshot.id)


# ---- refunds and chargebacks of an invoice's payment ---------------------------------------

REFUNDED = "charge.refunded"
DISPUTE = "charge.dispute."


async def on_stripe_charge_event(
    *, db: Database, settings: Settings, event: dict[str, Any]
) -> bool:
    """The hook payments' webhook hands a refund or dispute event no order claims: when
    the charge (re-read from Stripe) paid an invoice of one of our subscriptions, the
    refund or dispute becomes a fact of that invoice and the membership is derived again
    (True). A full refund, an open or a lost dispute takes the member's access back (a
    won dispute gives it back); a refund or a lost dispute also cancels the subscription,
    which must not bill for access it no longer gives."""
    kind = str(event.get("type", ""))
    if (kind != REFUNDED and not kind.startswith(DISPUTE)) or not providers.stripe_configured(
        settings
    ):
        return False
    obj = (event.get("data") or {}).get("object") or {}
    charge_id = obj.get("id") if obj.get("object") == "charge" else obj.get("charge")
    if isinstance(charge_id, dict):
        charge_id = charge_id.get("id")
    if not isinstance(charge_id, str) or not re.match(INVOICE_ID, charge_id):
        return False
    provider = providers.StripeSubscriptions(settings, db)
    found = await provider.charge_of_invoice(charge_id=charge_id)  # Stripe away: 5xx, again
    invoice = None if found is None else found.invoice
    if invoice is None or invoice.subscription_id is None or not re.match(INVOICE_ID, invoice.id):
        return False
    membership = await repo.membership_by_subscription(
        db=db, subscription_id=invoice.subscription_id
    )
    if membership is None:
        return False
    at = providers.stripe_time(event.get("created")) or clock.now()
    await record_invoice(db=db, settings=settings, membership=membership, invoice=invoice)
    facts = _facts(invoice)
    for_good = False
    if kind == REFUNDED:
        if not (found and found.refunded):
            log.info("charge %s refunded in part: %s unchanged", charge_id, membership.id)
            return True
        await repo.record_refund(
            db=db, membership_id=membership.id, invoice_id=invoice.id, facts=facts, at=at
        )
        for_good = True
    else:
        dispute_id = obj.get("id")
        if not isinstance(dispute_id, str) or not re.match(INVOICE_ID, dispute_id):
            return False
        status = str(obj.get("status") or "needs_response")
        if kind == "charge.dispute.closed" and status not in DISPUTE_CLOSED:
            status = "lost"
        await repo.record_dispute(
            db=db,
            membership_id=membership.id,
            invoice_id=invoice.id,
            facts=facts,
            dispute_id=dispute_id,
            status=status,
            at=at,
        )
        for_good = status == "lost"
    log.info(
        "membership %s: %s of invoice %s (charge %s)", membership.id, kind, invoice.id, charge_id
    )
    if for_good and membership.live and membership.provider_subscription_id is not None:
        await provider.cancel_now(subscription_id=membership.provider_subscription_id)
    await sync(db=db, settings=settings, membership_id=membership.id, provider=provider)
    return True


# ---- one event, then the state --------------------------------------------------------


async def apply(
    *,
    db: Database,
    settings: Settings,
    membership: Membership,
    event: ProviderEvent,
    provider: SubscriptionProvider | None = None,
) -> Membership:
    """Records what EVENT says of its invoice, then brings the membership up to date."""
    provider = provider or providers.of_membership(settings, db, membership)
    known: Membership | None = membership
    invoice = None
    if event.invoice_id is not None:
        try:
            invoice = await provider.invoice(invoice_id=event.invoice_id)
        except providers.NotAtProvider:
            log.info("invoice %s is not known to the provider", event.invoice_id)
        if invoice is not None and invoice.subscription_id == membership.provider_subscription_id:
            failed_at = event.created if event.kind == FAILED else None
            if await record_invoice(
                db=db,
                settings=settings,
                membership=membership,
                invoice=invoice,
                failed_at=failed_at,
            ):
                known = None  # read it again, with the new fact
    return await sync(
        db=db, settings=settings, membership_id=membership.id, provider=provider, known=known
    )


def _facts(invoice: InvoiceSnapshot) -> InvoiceFacts:
    return InvoiceFacts(
        created=invoice.created,
        amount=invoice.amount,
        currency=invoice.currency,
        paid=invoice.status == "paid",
        period_end=invoice.period_end,
    )


async def record_invoice(
    *,
    db: Database,
    settings: Settings,
    membership: Membership,
    invoice: InvoiceSnapshot,
    failed_at: datetime | None = None,
) -> bool:
    """Records INVOICE's facts (paid, as re-read; a failure reported at FAILED_AT), its mail
    queued first (once per invoice by its job id); True when a fact was new."""
    if not re.match(INVOICE_ID, invoice.id):
        return False
    facts = _facts(invoice)
    # Facts only accumulate: what this copy of the membership knows is stored already.
    known = membership.invoices.get(invoice.id)
    paid_before = known is not None and known.paid
    if known is not None and known.failed_at is not None and failed_at is not None:
        failed_at = None if known.failed_at <= failed_at else failed_at
    changed = False
    if facts.paid and not paid_before:
        # The receipt is queued before the fact is recorded, each time the paid invoice is
        # seen unrecorded (its job id makes it one mail): a handler that dies in between
        # leaves the fact unrecorded, and the next sighting queues it again, never none.
        await mails.announce(
            db=db, settings=settings, membership=membership, invoice_id=invoice.id, facts=facts
        )
        if await repo.record_paid(
            db=db, membership_id=membership.id, invoice_id=invoice.id, facts=facts
        ):
            changed = True
    if failed_at is not None:
        # The notice, as the receipt, is queued before the fact: only while courses are
        # open (a payment before this one went through: a declined first payment opened
        # nothing, and the page said so at once), never for an invoice settled already.
        had_access = any(f.paid for i, f in membership.invoices.items() if i != invoice.id)
        first = known is None or known.failed_at is None
        if first and had_access and not facts.paid and not paid_before:
            paid_through = max(membership.paid_through or failed_at, failed_at)
            await mails.announce(
                db=db,
                settings=settings,
                membership=membership,
                invoice_id=invoice.id,
                facts=facts,
                access_until=paid_through + grace(settings),
            )
        if await repo.record_failure(
            db=db, membership_id=membership.id, invoice_id=invoice.id, facts=facts, at=failed_at
        ):
            changed = True
    return changed


async def sync(
    *,
    db: Database,
    settings: Settings,
    membership_id: str,
    provider: SubscriptionProvider | None = None,
    known: Membership | None = None,
) -> Membership:
    """Reads the subscription again and writes the state it makes with the facts known
    (from KNOWN, the membership as just read, or read here); then the grant follows. Safe
    to run any number of times, at once."""
    for _ in range(ATTEMPTS):
        membership = known or await repo.get_membership(db=db, membership_id=membership_id)
        known = None
        if membership is None:
            raise errors.membership_not_found()
        if membership.provider_subscription_id is None:
            return membership
        provider = provider or providers.of_membership(settings, db, membership)
        snapshot = await provider.subscription(subscription_id=membership.provider_subscription_id)
        if snapshot.price_id != membership.provider_price_id:
            # Not the price the server sold (P8): nothing is granted on it.
            log.warning(
                "subscription %s has price %s, membership %s sold %s",
                snapshot.id,
                snapshot.price_id,
                membership.id,
                membership.provider_price_id,
            )
            return membership
        latest = snapshot.latest_invoice
        ours = latest if latest is not None and latest.subscription_id == snapshot.id else None
        if ours is not None and await record_invoice(
            db=db, settings=settings, membership=membership, invoice=ours
        ):
            continue  # a new fact: derive from the membership as it is now
        derived = derive(
            snapshot, membership.invoices, interval=membership.interval, grace=grace(settings)
        )
        fields: Document = {
            "status": derived.status.value,
            "live": derived.live,
            "cancel_at_period_end": derived.cancel_at_period_end,
            "started_at": derived.started_at,
            "paid_through": derived.paid_through,
            "access_until": derived.access_until,
            "ended_at": derived.ended_at,
        }
        # Written even when nothing changed: the new version makes a racing handler's
        # write, derived from an older read (perhaps of an older snapshot), fail and retry.
        written = await repo.write_state(
            db=db, membership_id=membership.id, version=membership.version, fields=fields
        )
        if written is None:
            continue
        if written.granted != granted(written):
            await settle_grant(db=db, membership=written)
        if membership.status in ACCESS_STATUSES and written.status not in ACCESS_STATUSES:
            await stop_playback(db=db, membership=written)
        return written
    raise errors.sync_conflict()


# ---- access ------------------------------------------------------------------------------


def granted(membership: Membership) -> dict[str, Any]:
    """What the grant of MEMBERSHIP is made of (its state, start and end)."""
    return {
        "status": membership.status.value,
        "started_at": membership.started_at,
        "access_until": membership.access_until,
        "ended_at": membership.ended_at,
    }


async def settle_grant(*, db: Database, membership: Membership) -> None:
    """Makes the grant of MEMBERSHIP (as just read or written) say what the membership's
    latest version says, over the plan's courses of the plan's latest version (written
    with that version: a plan change racing it keeps its newer courses). A writer that
    read an older version (of either) and wrote after a newer one reads again and writes
    again, so the last grant write is of the latest membership and plan."""
    current: Membership | None = membership
    plan = await repo.get_plan(db=db, plan_id=membership.plan_id)
    while current is not None and plan is not None:
        await _write_grant(db=db, membership=current, plan=plan)
        again = await repo.get_membership(db=db, membership_id=current.id)
        plan_again = await repo.get_plan(db=db, plan_id=plan.id)
        if again is None or plan_again is None:
            return
        if again.version == current.version and plan_again.version == plan.version:
            await repo.mark_granted(
                db=db, membership_id=current.id, version=current.version, granted=granted(current)
            )
            return
        current, plan = again, plan_again


async def _write_grant(*, db: Database, membership: Membership, plan: MembershipPlan) -> None:
    """An active membership's grant runs until its access end; an ended one keeps its
    grant, ended, over the window it had (whether or not a handler saw it active first:
    the same grant in any order of events). Nothing else opens anything."""
    opened = membership.started_at is not None and (
        membership.status in ACCESS_STATUSES or membership.status is MembershipStatus.ended
    )
    if opened and membership.started_at is not None:
        ends_at = membership.access_until
        if membership.status is MembershipStatus.ended:
            # Already past: the grant is not in force even before it is marked ended.
            ends_at = min(membership.ended_at or clock.now(), clock.now())
        await enrollments.grant_membership(
            db=db,
            user_id=membership.user_id,
            membership_id=membership.id,
            plan_id=plan.id,
            scope=plan.scope(),
            active=True,
            starts_at=membership.started_at,
            ends_at=ends_at,
            plan_version=plan.version,
        )
    if membership.status not in ACCESS_STATUSES:
        final = membership.status in (MembershipStatus.ended, MembershipStatus.failed)
        await enrollments.revoke_source(
            db=db,
            source=GrantSource.membership,
            source_id=membership.id,
            state=GrantState.ended if final else GrantState.revoked,
        )


async def stop_playback(*, db: Database, membership: Membership) -> int:
    """Ends the member's live sessions on the plan's courses they may no longer watch
    (a course bought on its own, or in another plan, plays on); returns how many (P10)."""
    plan = await repo.get_plan(db=db, plan_id=membership.plan_id)
    user = await auth.get_user(db=db, user_id=membership.user_id)
    if plan is None or user is None:
        return 0
    courses = {s.course_id for s in await playback.list_live(db=db, user=user) if s.course_id}
    ended = 0
    for course_id in sorted(c for c in courses if plan.covers(c)):
        ended += await payment_access.end_sessions_without_access(
            db=db, user_id=user.id, course_id=course_id, reason="membership_ended"
        )
    log.info(
        "membership ended membership=%s user=%s status=%s sessions_ended=%d",
        membership.id,
        membership.user_id,
        membership.status,
        ended,
    )
    return ended
