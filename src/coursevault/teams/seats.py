"""The seat manager's side: the team's seats, and giving, moving and releasing them (P12).

A seat is held for one email (the mail carries its claim link) and claimed by the account
with that address. Moving a seat to another address or releasing it takes its holder's
grant back and ends their sessions at once: before the seat is written (a crash between
the two leaves no grant behind), and again after it (a claim that slipped in between).
"""

from __future__ import annotations

import logging

from bson import ObjectId

from coursevault import clock
from coursevault.auth import service as auth
from coursevault.auth.models import Role, User
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource
from coursevault.errors import AppError
from coursevault.payments import errors as sale_errors
from coursevault.streaming import service as playback
from coursevault.teams import errors, jobs, repo
from coursevault.teams.models import (
    Seat,
    SeatHolder,
    SeatRead,
    SeatState,
    Team,
    TeamRead,
    TeamSummary,
)
from coursevault.teams.service import fit, take_back

log = logging.getLogger("coursevault.teams")


async def managed(*, db: Database, user: User, team_id: str) -> Team:
    """The team if USER manages it (or is an admin); 404 otherwise, another manager's
    team included."""
    team = await repo.get_team(db=db, team_id=team_id)
    if team is None or (team.manager_id != user.id and Role.admin not in user.roles):
        raise errors.team_not_found()
    return team


def _summary(team: Team) -> TeamSummary:
    return TeamSummary(
        id=team.id,
        course_id=team.course_id,
        course_title=team.course_title,
        seats=team.seats,
        assigned=team.used,
    )


async def mine(*, db: Database, user: User) -> list[TeamSummary]:
    """The teams USER manages (bought seats for)."""
    return [_summary(t) for t in await repo.teams_of(db=db, manager_id=user.id)]


async def team_read(*, db: Database, team: Team) -> TeamRead:
    """The team with every seat held now: its address, whether and by whom it was
    claimed, and when its holder last watched the course (or watches it now)."""
    seats = await repo.active_seats(db=db, team_id=team.id)
    holders = [s.user_id for s in seats if s.user_id is not None]
    users = await auth.get_users(db=db, user_ids=holders)
    # Only what they watched since they claimed the seat (not what they watched before,
    # through a course of their own, say).
    since = {s.user_id: s.claimed_at for s in seats if s.user_id and s.claimed_at}
    activity = await playback.course_activity(db=db, since=since, course_id=team.course_id)
    members = []
    for seat in seats:
        who = users.get(seat.user_id) if seat.user_id else None
        seen = activity.get(seat.user_id) if seat.user_id else None
        members.append(
            SeatRead(
                id=seat.id,
                email=seat.email,
                state=seat.state,
                assigned_at=seat.assigned_at,
                claimed_at=seat.claimed_at,
                claimed_by=SeatHolder(id=who.id, name=who.name, email=who.email) if who else None,
                last_watched_at=seen.last_seen if seen else None,
                watching=seen.watching if seen else False,
            )
        )
    return TeamRead(**_summary(team).model_dump(), members=members)


def _seat_read(seat: Seat) -> SeatRead:
    return SeatRead(
        id=seat.id,
        email=seat.email,
        state=seat.state,
        assigned_at=seat.assigned_at,
        claimed_at=seat.claimed_at,
        claimed_by=None,
        last_watched_at=None,
        watching=False,
    )


async def assign(*, db: Database, settings: Settings, team: Team, email: str) -> SeatRead:
    """Holds one of the team's free seats for EMAIL and mails its claim link. Refused:
    every seat held (409 `no_free_seat`), EMAIL already holds one (409, also when two
    assignments of one address race: the address is unique among held seats)."""
    if not settings.mail_enabled:
        raise sale_errors.mail_disabled("a seat")
    if await repo.held_by_email(db=db, team_id=team.id, email=email) is not None:
        raise errors.seat_already_assigned()
    if await repo.take_seat(db=db, team_id=team.id) is None:
        raise await _no_free_seat(db=db, team=team)
    seat = Seat(
        id=str(ObjectId()),
        team_id=team.id,
        course_id=team.course_id,
        email=email,
        state=SeatState.invited,
        assigned_at=clock.now(),
    )
    try:
        await repo.insert_seat(db=db, seat=seat)
    except repo.AddressTaken:
        await repo.give_back_seat(db=db, team_id=team.id)
        raise errors.seat_already_assigned() from None
    except BaseException:
        await repo.give_back_seat(db=db, team_id=team.id)
        raise
    # A refund whose fit ran while this seat was counted but not stored found nothing to
    # end for it: fit again now that it is stored (the newest, it goes first).
    if await fit(db=db, team_id=team.id):
        held = await repo.get_seat(db=db, seat_id=seat.id)
        if held is None or held.state not in (SeatState.invited, SeatState.claimed):
            raise await _no_free_seat(db=db, team=team)
    await jobs.queue_invitation(db=db, settings=settings, seat_id=seat.id, version=seat.version)
    log.info("seat assigned team=%s seat=%s", team.id, seat.id)
    return _seat_read(seat)


async def _no_free_seat(*, db: Database, team: Team) -> AppError:
    now = await repo.get_team(db=db, team_id=team.id) or team
    return errors.no_free_seat(now.seats, now.used)


async def _seat_of(*, db: Database, team: Team, seat_id: str) -> Seat:
    seat = await repo.get_seat(db=db, seat_id=seat_id)
    if (
        seat is None
        or seat.team_id != team.id
        or seat.state
        not in (
            SeatState.invited,
            SeatState.claimed,
        )
    ):
        raise errors.seat_not_found()
    return seat


async def reassign(
    *, db: Database, settings: Settings, team: Team, seat_id: str, email: str
) -> SeatRead:
    """Gives a held seat to EMAIL: the former holder's grant is taken back and their
    sessions end now; their link stops working (410). The new address gets a new link.
    Refused: EMAIL holds another seat (409 `seat_already_assigned`), the seat was moved or
    ended meanwhile (409 `conflict`)."""
    if not settings.mail_enabled:
        raise sale_errors.mail_disabled("a seat")
    seat = await _seat_of(db=db, team=team, seat_id=seat_id)
    other = await repo.held_by_email(db=db, team_id=team.id, email=email)
    if other is not None and other.id != seat.id:
        raise errors.seat_already_assigned()
    await take_back(db=db, seat=seat, reason="seat_reassigned")
    try:
        moved = await repo.reassign(db=db, seat=seat, email=email, now=clock.now())
    except repo.AddressTaken:  # EMAIL was given another seat meanwhile
        await _regrant(db=db, seat_id=seat.id)
        raise errors.seat_already_assigned() from None
    if moved is None:  # moved or ended meanwhile
        await _regrant(db=db, seat_id=seat.id)
        raise errors.seat_changed()
    await take_back(db=db, seat=seat, reason="seat_reassigned")
    await jobs.queue_invitation(db=db, settings=settings, seat_id=moved.id, version=moved.version)
    log.info("seat reassigned team=%s seat=%s", team.id, seat.id)
    return _seat_read(moved)


async def release(*, db: Database, team: Team, seat_id: str) -> None:
    """Gives a held seat back to the team: its holder's grant is taken back and their
    sessions end now; its link stops working (410). A seat ended meanwhile (by a refund,
    say) is 409 `conflict`."""
    seat = await _seat_of(db=db, team=team, seat_id=seat_id)
    # Off the count first, as `service.fit` does: a refund racing this release never
    # ends another seat for the one released here.
    await repo.give_back_seat(db=db, team_id=team.id)
    await take_back(db=db, seat=seat, reason="seat_released")
    ended = await repo.end_seat(db=db, seat_id=seat.id, state=SeatState.released, now=clock.now())
    if ended is None:  # ended by someone else, who took it off the count
        await repo.count_again(db=db, team_id=team.id)
        raise errors.seat_changed()
    await take_back(db=db, seat=ended, reason="seat_released")
    log.info("seat released team=%s seat=%s", team.id, seat.id)


async def _regrant(*, db: Database, seat_id: str) -> None:
    """Gives the seat's claimer back the grant a move took back before it failed, unless
    the seat changed meanwhile (read again after the grant, as a claim does)."""
    seat = await repo.get_seat(db=db, seat_id=seat_id)
    if seat is None or seat.state is not SeatState.claimed or seat.user_id is None:
        return
    await _seat_grant(db=db, seat=seat, user_id=seat.user_id, active=True)
    now = await repo.get_seat(db=db, seat_id=seat_id)
    if now is None or (now.state, now.user_id, now.version) != (
        SeatState.claimed,
        seat.user_id,
        seat.version,
    ):
        await _seat_grant(db=db, seat=seat, user_id=seat.user_id, active=False)


async def _seat_grant(*, db: Database, seat: Seat, user_id: str, active: bool) -> None:
    await enrollments.grant(
        db=db,
        user_id=user_id,
        source=GrantSource.seat,
        source_id=seat.id,
        course_id=seat.course_id,
        active=active,
    )
