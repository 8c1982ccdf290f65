"""The job that delivers mail, and the one way features queue a message."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from pydantic import BaseModel

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.jobs import service as jobs
from coursevault.jobs.models import Handler, JobContext, JobType, PermanentJobError
from coursevault.mail import transport
from coursevault.mail.message import Message
from coursevault.tokens import new_token

log = logging.getLogger(__name__)


async def deliver_now(ctx: JobContext, message: Message) -> None:
    """Delivers MESSAGE from inside a job: a refusal for good fails the job, anything else
    lets the queue try again later. Jobs that build a secret link call this themselves, so
    the link is never stored in the queue."""
    try:
        await transport.deliver(ctx.settings, message)
    except transport.PermanentDeliveryError as exc:
        raise PermanentJobError(str(exc)) from exc


async def send(ctx: JobContext) -> None:
    await deliver_now(ctx, Message.model_validate(ctx.payload))


async def log_given_up(ctx: JobContext, reason: str) -> None:
    to = ctx.payload.get("to") or ctx.payload.get("email") or ctx.payload.get("user_id")
    log.error("mail (%s) given up after %d attempts: %s", to, ctx.attempt, reason)


def mail_job(kind: str, handler: Handler) -> JobType:
    """A job type that sends mail, with the retry rules every mail shares: 5 s, 10 s,
    20 s … for about 10 minutes, so a relay restart or a greylisting server is ridden out.
    A message that cannot be built (an address or a header no retry will mend) fails at
    once, logged one time (M1)."""

    @functools.wraps(handler)
    async def handle(ctx: JobContext) -> None:
        try:
            await handler(ctx)
        except ValueError as exc:  # pydantic's ValidationError, email's header checks
            raise PermanentJobError(f"the message cannot be built: {exc}") from exc

    return JobType(
        kind=kind,
        handler=handle,
        on_failure=log_given_up,
        max_attempts=8,
        backoff_seconds=5,
        lease_seconds=90,
    )


SEND = mail_job("mail.send", send)


class LinkMessage(Protocol):
    """Builds a message that carries a secret link made of TOKEN, once it has stored
    HASHED (the token's SHA-256) where the link is checked; None sends nothing (what the
    link was for is gone, or was taken meanwhile)."""

    async def __call__(self, ctx: JobContext, token: str, hashed: str) -> Message | None: ...


def link_mail_job(kind: str, build: LinkMessage) -> JobType:
    """A mail job whose message carries a secret link (a gift's, a seat's): the token is
    made inside the job, so the queue never holds it, and each attempt makes its own (the
    feature keeps the hashes of earlier attempts' links, which may have been delivered)."""

    async def handle(ctx: JobContext) -> None:
        token, hashed = new_token()
        message = await build(ctx, token, hashed)
        if message is not None:
            await deliver_now(ctx, message)

    return mail_job(kind, handle)


async def queue_job(
    *,
    db: Database,
    settings: Settings,
    job_type: JobType,
    payload: BaseModel,
    entity: str,
    once: str,
) -> None:
    """Queues a mail job of its own type (nothing when mail is off), once per ONCE."""
    if settings.mail_enabled:
        await jobs.enqueue(db=db, job_type=job_type, payload=payload, entity=entity, once=once)


async def queue(
    *, db: Database, settings: Settings, message: Message, once: str | None = None
) -> None:
    """Queues MESSAGE for delivery (nothing when mail is off); with ONCE, a second call with
    the same key sends nothing (a receipt goes out once however many webhooks announce the
    payment)."""
    if not settings.mail_enabled:
        return
    await jobs.enqueue(
        db=db, job_type=SEND, payload=message, entity=f"mail:{message.to}", once=once
    )


def never_breaks[**P](announce: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Wraps the mail step that follows a purchase, a webhook or a transcode: whatever goes
    wrong in it (a lookup, a message that cannot be built, the queue) is logged and the mail
    dropped, and the work it follows answers as if mail did not exist (M1)."""

    @functools.wraps(announce)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await announce(*args, **kwargs)
        except Exception:
            log.exception("mail not sent (%s): the work it follows goes on", announce.__module__)

    return wrapper
