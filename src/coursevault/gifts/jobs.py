"""The job that mails a gift's claim link (`mail.jobs.link_mail_job`: the link is made
inside the job, only its SHA-256 is stored); it is queued once per gift."""

from __future__ import annotations

from pydantic import BaseModel

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.gifts import mails, repo
from coursevault.jobs.models import JobContext
from coursevault.mail import jobs as mail
from coursevault.mail.message import Message


class GiftPayload(BaseModel):
    gift_id: str


async def _claim_link(ctx: JobContext, token: str, hashed: str) -> Message | None:
    gift = await repo.get(db=ctx.db, gift_id=GiftPayload(**ctx.payload).gift_id)
    # A retried attempt mails a new link and the earlier ones keep working (one may have
    # been delivered), until the gift is claimed; a gift claimed or refunded gets none.
    if gift is None or not await repo.add_token(db=ctx.db, gift=gift, token_hash=hashed):
        return None
    buyer = await auth.get_user(db=ctx.db, user_id=gift.buyer_id)
    language = await auth.language_for(db=ctx.db, email=gift.recipient_email, sender=buyer)
    return mails.claim_link(ctx.settings, gift, buyer, token, language)


MAIL_CLAIM_LINK = mail.link_mail_job("gifts.mail_claim_link", _claim_link)


async def queue_claim_link(*, db: Database, settings: Settings, gift_id: str) -> None:
    """Mails the gift's recipient its claim link, once per gift."""
    await mail.queue_job(
        db=db,
        settings=settings,
        job_type=MAIL_CLAIM_LINK,
        payload=GiftPayload(gift_id=gift_id),
        entity=f"gift:{gift_id}",
        once=f"gift:{gift_id}",
    )
