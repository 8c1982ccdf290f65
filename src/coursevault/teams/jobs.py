"""The job that mails a seat's claim link. The link is made inside the job (only its
SHA-256 is stored), so it never sits in the queue; one job per assignment of a seat."""

from __future__ import annotations

import hashlib
import secrets

from pydantic import BaseModel

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobContext
from coursevault.mail.jobs import deliver_now, mail_job
from coursevault.teams import mails, repo


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SeatPayload(BaseModel):
    seat_id: str
    version: int  # the assignment the link is for; a reassigned seat mails its new holder


async def _mail_invitation(ctx: JobContext) -> None:
    payload = SeatPayload(**ctx.payload)
    seat = await repo.get_seat(db=ctx.db, seat_id=payload.seat_id)
    if seat is None or seat.version != payload.version:
        return
    team = await repo.get_team(db=ctx.db, team_id=seat.team_id)
    if team is None:
        return
    token = secrets.token_urlsafe(32)
    if not await repo.set_token(
        db=ctx.db, seat_id=seat.id, version=payload.version, token_hash=token_hash(token)
    ):
        return  # claimed, released or reassigned meanwhile
    manager = await auth.get_user(db=ctx.db, user_id=team.manager_id)
    await deliver_now(ctx, mails.invitation(ctx.settings, team, seat, manager, token))


MAIL_INVITATION = mail_job("teams.mail_seat_invitation", _mail_invitation)


async def queue_invitation(*, db: Database, settings: Settings, seat_id: str, version: int) -> None:
    """Mails the seat's claim link to the address it is held for, once per assignment."""
    if settings.mail_enabled:
        await jobs.enqueue(
            db=db,
            job_type=MAIL_INVITATION,
            payload=SeatPayload(seat_id=seat_id, version=version),
            entity=f"seat:{seat_id}",
            once=f"seat:{seat_id}:{version}",
        )
