"""The job that mails a seat's claim link (`mail.jobs.link_mail_job`: the link is made
inside the job, only its SHA-256 is stored); it is queued once per assignment of a seat."""

from __future__ import annotations

from pydantic import BaseModel

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.jobs.models import JobContext
from coursevault.mail import jobs as mail
from coursevault.mail.message import Message
from coursevault.teams import mails, repo


class SeatPayload(BaseModel):
    seat_id: str
    version: int  # the assignment the link is for; a reassigned seat mails its new holder


async def _invitation(ctx: JobContext, token: str, hashed: str) -> Message | None:
    payload = SeatPayload(**ctx.payload)
    seat = await repo.get_seat(db=ctx.db, seat_id=payload.seat_id)
    team = await repo.get_team(db=ctx.db, team_id=seat.team_id) if seat else None
    # A retried attempt mails a new link and the earlier ones of the same assignment keep
    # working (one may have been delivered); a seat claimed, released or reassigned
    # meanwhile gets none.
    if (
        seat is None
        or team is None
        or not await repo.add_token(
            db=ctx.db, seat=seat, version=payload.version, token_hash=hashed
        )
    ):
        return None
    manager = await auth.get_user(db=ctx.db, user_id=team.manager_id)
    language = await auth.language_for(db=ctx.db, email=seat.email, sender=manager)
    return mails.invitation(ctx.settings, team, seat, manager, token, language)


MAIL_INVITATION = mail.link_mail_job("teams.mail_seat_invitation", _invitation)


async def queue_invitation(*, db: Database, settings: Settings, seat_id: str, version: int) -> None:
    """Mails the seat's claim link to the address it is held for, once per assignment."""
    await mail.queue_job(
        db=db,
        settings=settings,
        job_type=MAIL_INVITATION,
        payload=SeatPayload(seat_id=seat_id, version=version),
        entity=f"seat:{seat_id}",
        once=f"seat:{seat_id}:{version}",
    )
