"""Single-use links sent by mail: confirm an address, reset a password.

A link carries 256 random bits; only their SHA-256 is stored (`account_tokens`), with the
purpose, the account and an expiry (a TTL index removes the dead ones). The link is made
inside the job that mails it, so it never sits in the queue either. The requests that ask
for mail only queue a job: an address with an account and one without answer alike, in
the same time.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from pydantic import BaseModel

from coursevault import clock
from coursevault.auth import mails
from coursevault.auth import repo as auth_repo
from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobContext, JobType
from coursevault.mail.jobs import deliver_now, mail_job
from coursevault.tokens import new_token, token_hash

log = logging.getLogger(__name__)

VERIFY = "verify_email"
RESET = "password_reset"


async def _issue(*, db: Database, user: User, purpose: str, ttl_seconds: int) -> str:
    token, hashed = new_token()
    await auth_repo.insert_account_token(
        db=db,
        token_hash=hashed,
        purpose=purpose,
        user_id=user.id,
        ttl=timedelta(seconds=ttl_seconds),
    )
    return token


class UserPayload(BaseModel):
    user_id: str


class EmailPayload(BaseModel):
    email: str
    requested_at: datetime | None = None  # when the mail was asked for (jobs may wait)


async def _mail_verification(ctx: JobContext) -> None:
    user = await auth_repo.get_user(db=ctx.db, user_id=UserPayload(**ctx.payload).user_id)
    if user is None or user.disabled or user.email_verified:
        return
    ttl = ctx.settings.email_verification_ttl_seconds
    token = await _issue(db=ctx.db, user=user, purpose=VERIFY, ttl_seconds=ttl)
    await deliver_now(ctx, mails.verify_email(ctx.settings, user, token))


async def _mail_reset(ctx: JobContext) -> None:
    email = EmailPayload(**ctx.payload).email
    user = await auth_repo.get_user_by_email(db=ctx.db, email=email)
    if user is None or user.disabled:
        log.info("password reset asked for %s: no active account, no mail", email)
        return
    asked = EmailPayload(**ctx.payload).requested_at
    if asked and user.password_changed_at and user.password_changed_at >= asked:
        # The password changed after the request (W8): the job waited in the queue or for
        # the mail relay, and a link made now would outlive the change.
        log.info("password reset for %s asked before its password changed: no mail", email)
        return
    ttl = ctx.settings.password_reset_ttl_seconds
    token = await _issue(db=ctx.db, user=user, purpose=RESET, ttl_seconds=ttl)
    try:
        await deliver_now(ctx, mails.password_reset(ctx.settings, user, token))
    except BaseException:
        # Not delivered: the next attempt makes its own link, so this one must not live.
        await auth_repo.consume_account_token(
            db=ctx.db, token_hash=token_hash(token), purpose=RESET
        )
        raise


async def _mail_signup_attempt(ctx: JobContext) -> None:
    user = await auth_repo.get_user_by_email(db=ctx.db, email=EmailPayload(**ctx.payload).email)
    if user is not None and not user.disabled:
        await deliver_now(ctx, mails.signup_attempt(ctx.settings, user))


MAIL_VERIFICATION = mail_job("auth.mail_verification", _mail_verification)
MAIL_RESET = mail_job("auth.mail_reset", _mail_reset)
MAIL_SIGNUP_ATTEMPT = mail_job("auth.mail_signup_attempt", _mail_signup_attempt)
JOB_TYPES = (MAIL_VERIFICATION, MAIL_RESET, MAIL_SIGNUP_ATTEMPT)


def _window(seconds: int) -> int:
    """The number of the current SECONDS-long window (one mail per window and address)."""
    return int(time.time() // seconds)


# How often each mail may go to one account or address: a second request in the same
# window queues nothing.
WINDOW_SECONDS = {MAIL_VERIFICATION.kind: 60, MAIL_RESET.kind: 60, MAIL_SIGNUP_ATTEMPT.kind: 3600}


async def _queue(
    *, db: Database, settings: Settings, job_type: JobType, payload: BaseModel, about: str
) -> None:
    if settings.mail_enabled:
        once = f"{about}:{_window(WINDOW_SECONDS[job_type.kind])}"
        await jobs.enqueue(db=db, job_type=job_type, payload=payload, entity=about, once=once)


async def queue_verification(*, db: Database, settings: Settings, user: User) -> None:
    """Mails USER a confirmation link (at most one a minute)."""
    payload = UserPayload(user_id=user.id)
    await _queue(
        db=db,
        settings=settings,
        job_type=MAIL_VERIFICATION,
        payload=payload,
        about=f"user:{user.id}",
    )


async def queue_reset(*, db: Database, settings: Settings, email: str) -> None:
    """Mails a reset link to EMAIL if an account uses it (at most one a minute)."""
    payload = EmailPayload(email=email, requested_at=clock.now())
    await _queue(
        db=db, settings=settings, job_type=MAIL_RESET, payload=payload, about=f"email:{email}"
    )


async def queue_signup_attempt(*, db: Database, settings: Settings, email: str) -> None:
    """Tells the owner of EMAIL that someone tried to sign up with it (at most once an hour)."""
    payload = EmailPayload(email=email)
    await _queue(
        db=db,
        settings=settings,
        job_type=MAIL_SIGNUP_ATTEMPT,
        payload=payload,
        about=f"email:{email}",
    )


async def peek(*, db: Database, token: str, purpose: str) -> str | None:
    return await auth_repo.peek_account_token(db=db, token_hash=token_hash(token), purpose=purpose)


async def consume(*, db: Database, token: str, purpose: str) -> str | None:
    return await auth_repo.consume_account_token(
        db=db, token_hash=token_hash(token), purpose=purpose
    )
