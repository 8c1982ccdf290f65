"""The job that mails a gift's claim link. The link is made inside the job (only its
SHA-256 is stored), so it never sits in the queue; the job is queued once per gift."""

from __future__ import annotations

import hashlib
import secrets

from pydantic import BaseModel

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.gifts import mails, repo
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobContext
from coursevault.mail.jobs import deliver_now, mail_job


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class GiftPayload(BaseModel):
    gift_id: str


async def _mail_claim_link(ctx: JobContext) -> None:
    gift = await repo.get(db=ctx.db, gift_id=GiftPayload(**ctx.payload).gift_id)
    if gift is None:
        return
    token = secrets.token_urlsafe(32)
    # Each attempt makes its own link (an earlier, undelivered one stops working); a gift
    # claimed or refunded meanwhile gets none.
    if not await repo.set_token(db=ctx.db, gift_id=gift.id, token_hash=token_hash(token)):
        return
    buyer = await auth.get_user(db=ctx.db, user_id=gift.buyer_id)
    await deliver_now(ctx, mails.claim_link(ctx.settings, gift, buyer, token))


MAIL_CLAIM_LINK = mail_job("gifts.mail_claim_link", _mail_claim_link)


async def queue_claim_link(*, db: Database, settings: Settings, gift_id: str) -> None:
    """Mails the gift's recipient its claim link, once per gift."""
    if settings.mail_enabled:
        await jobs.enqueue(
            db=db,
            job_type=MAIL_CLAIM_LINK,
            payload=GiftPayload(gift_id=gift_id),
            entity=f"gift:{gift_id}",
            once=f"gift:{gift_id}",
        )
