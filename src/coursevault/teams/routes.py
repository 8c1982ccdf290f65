"""HTTP routes for team seats: buying them, the manager's team, claiming a seat."""

from __future__ import annotations

from fastapi import APIRouter, status

from coursevault.auth.deps import CurrentUser
from coursevault.courses.deps import VisibleCourse
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import AppSettings, Db
from coursevault.payments.models import CheckoutRead
from coursevault.teams import seats, service
from coursevault.teams.models import (
    SeatAssignIn,
    SeatClaimIn,
    SeatClaimRead,
    SeatRead,
    SeatsCheckoutIn,
    TeamRead,
    TeamSummary,
)

router = APIRouter(prefix="/api", tags=["teams"], responses=ERROR_RESPONSES)


@router.post(
    "/courses/{course_id}/seats/checkout",
    status_code=status.HTTP_201_CREATED,
    operation_id="checkoutSeats",
)
async def checkout_seats(
    seats_in: SeatsCheckoutIn,
    course: VisibleCourse,
    user: CurrentUser,
    db: Db,
    settings: AppSettings,
) -> CheckoutRead:
    """Buys QUANTITY seats (1-1000) at the course's price times QUANTITY (P7); once paid
    they join the caller's team for the course (one team per buyer and course)."""
    return await service.checkout(
        db=db, settings=settings, user=user, course=course, seats_in=seats_in
    )


@router.get("/me/teams", operation_id="myTeams")
async def my_teams(user: CurrentUser, db: Db) -> list[TeamSummary]:
    """The teams the caller manages: seats bought and assigned, per course."""
    return await seats.mine(db=db, user=user)


@router.get("/teams/{team_id}", operation_id="getTeam")
async def get_team(team_id: str, user: CurrentUser, db: Db) -> TeamRead:
    """The team's seats held now, who claimed them and when they last watched."""
    team = await seats.managed(db=db, user=user, team_id=team_id)
    return await seats.team_read(db=db, team=team)


@router.post(
    "/teams/{team_id}/seats", status_code=status.HTTP_201_CREATED, operation_id="assignSeat"
)
async def assign_seat(
    team_id: str, seat_in: SeatAssignIn, user: CurrentUser, db: Db, settings: AppSettings
) -> SeatRead:
    """Holds a free seat for an address and mails it the claim link (409 `no_free_seat`
    when every seat is held)."""
    team = await seats.managed(db=db, user=user, team_id=team_id)
    return await seats.assign(db=db, settings=settings, team=team, email=seat_in.email)


@router.put("/teams/{team_id}/seats/{seat_id}", operation_id="reassignSeat")
async def reassign_seat(
    team_id: str,
    seat_id: str,
    seat_in: SeatAssignIn,
    user: CurrentUser,
    db: Db,
    settings: AppSettings,
) -> SeatRead:
    """Gives the seat to another address: its former holder loses access at once (P12)."""
    team = await seats.managed(db=db, user=user, team_id=team_id)
    return await seats.reassign(
        db=db, settings=settings, team=team, seat_id=seat_id, email=seat_in.email
    )


@router.delete(
    "/teams/{team_id}/seats/{seat_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="releaseSeat",
)
async def release_seat(team_id: str, seat_id: str, user: CurrentUser, db: Db) -> None:
    """Gives the seat back to the team: its holder loses access at once (P12)."""
    team = await seats.managed(db=db, user=user, team_id=team_id)
    await seats.release(db=db, team=team, seat_id=seat_id)


@router.post("/seats/claim", operation_id="claimSeat")
async def claim_seat(claim_in: SeatClaimIn, user: CurrentUser, db: Db) -> SeatClaimRead:
    """Claims a seat with the token of its mailed link; the caller's address must be the
    one the seat is held for (P12)."""
    return await service.claim(db=db, user=user, token=claim_in.token)
