"""Team seat schemas: N seats of one course, bought by a seat manager who hands them out
by email."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from coursevault.auth.models import Email
from coursevault.payments.models import CouponCode

MAX_SEATS_PER_ORDER = 1000

ClaimToken = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class SeatsCheckoutIn(BaseModel):
    quantity: int = Field(ge=1, le=MAX_SEATS_PER_ORDER)
    coupon: CouponCode | None = None  # only a site-wide coupon applies


class TeamOrder(BaseModel):
    """A seat order as the team last applied it (snapshot VERSION of the order)."""

    quantity: int
    active: bool  # paid: its seats count
    version: int


class Team(BaseModel):
    """A stored team (`teams`): one per (seat manager, course)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    manager_id: str
    course_id: str
    course_title: str
    seats: int  # seats bought and not refunded (the sum over active orders)
    used: int  # seats held for an email now (invited or claimed)
    orders: dict[str, TeamOrder]
    created_at: datetime


class SeatState(StrEnum):
    invited = "invited"  # held for an email; its link is mailed
    claimed = "claimed"  # the account with that email claimed it and may watch
    released = "released"  # the manager gave it back (a past seat)
    revoked = "revoked"  # lost when the team's seats were refunded (a past seat)


ACTIVE_SEATS = (SeatState.invited.value, SeatState.claimed.value)


class Seat(BaseModel):
    """A stored seat (`team_seats`): one email's hold on one of a team's seats."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    team_id: str
    course_id: str
    email: str
    state: SeatState
    # SHA-256 of the claim link's token (P12), set by the job that mails it: the newest
    # link's, and every link mailed for this assignment (a retried mail job makes a new
    # one; an earlier one may have been delivered), each of which claims it. The links of
    # earlier holders stay known so that they answer 410, not 404.
    token_hash: str | None = None
    token_hashes: list[str] = []
    old_token_hashes: list[str] = []
    user_id: str | None = None  # the account that claimed it
    assigned_at: datetime  # when it was given to this email (the newest go first, P12)
    claimed_at: datetime | None = None
    ended_at: datetime | None = None
    version: int = 0  # raised by every reassignment

    def links_to(self, hashed: str) -> bool:
        """Whether HASHED is the hash of a claim link of the seat's current assignment."""
        return hashed == self.token_hash or hashed in self.token_hashes


class SeatAssignIn(BaseModel):
    email: Email


class SeatHolder(BaseModel):
    id: str
    name: str
    email: str


class SeatRead(BaseModel):
    id: str
    email: str
    state: SeatState
    assigned_at: datetime
    claimed_at: datetime | None
    claimed_by: SeatHolder | None
    last_watched_at: datetime | None  # the holder's last playback of the course
    watching: bool  # a playback session of the course is live now


class TeamSummary(BaseModel):
    id: str
    course_id: str
    course_title: str
    seats: int
    assigned: int


class TeamRead(TeamSummary):
    """A team as its manager sees it: every seat held now."""

    members: list[SeatRead]


class SeatClaimIn(BaseModel):
    token: ClaimToken


class SeatClaimRead(BaseModel):
    seat_id: str
    team_id: str
    course_id: str
    course_title: str
