"""Access grants: why a user may watch a course now (schemas and the standing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class GrantSource(StrEnum):
    """Where a grant comes from; SOURCE_ID names the thing (an order, a membership…)."""

    order = "order"  # a one-time purchase of the course (source_id: the order)
    membership = "membership"  # a subscription to a plan (source_id: the membership)
    bundle = "bundle"  # a bundle order (source_id: the order)
    gift = "gift"  # a claimed gift (source_id: the gift)
    seat = "seat"  # a team seat (source_id: the team and seat number)
    free = "free"  # a free course (source_id: the course)
    staff = "staff"  # given by an admin (source_id: the admin's user id)


class GrantState(StrEnum):
    active = "active"
    revoked = "revoked"  # refunded, disputed, taken back
    ended = "ended"  # a membership that ended


class EnrollmentRead(BaseModel):
    course_id: str
    state: str


@dataclass(frozen=True)
class Standing:
    """A user's access to a course as the key check, drip and certificates need it."""

    since: datetime  # start of the earliest grant in force (drip counts from it)
    unlocked: bool  # the instructor opened every lesson for this student
    source: GrantSource  # the source of that grant
    until: datetime | None = None  # when the last grant in force ends (None: open-ended)
