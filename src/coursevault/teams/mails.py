"""The seat invitation: which course, from which team, and the claim link."""

from __future__ import annotations

from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.http import urls
from coursevault.mail.message import Action, Message, compose
from coursevault.teams.models import Seat, Team


def invitation(
    settings: Settings, team: Team, seat: Seat, manager: User | None, token: str
) -> Message:
    """The mail that carries a seat's claim link to the address it is held for. The
    manager's name goes to that mailbox only once the manager's address is confirmed (M3)."""
    given = f"a seat for “{team.course_title}”, a course on CourseVault"
    if manager is not None and manager.email_verified:
        opening = f"{manager.name} ({manager.email}) has given you {given}."
    else:
        opening = f"You have been given {given}."
    return compose(
        to=seat.email,
        subject=f"Your seat for {team.course_title}",
        greeting="Hello,",
        paragraphs=[
            opening,
            f"Sign in (or create an account) with this address, {seat.email}, then claim it.",
        ],
        action=Action(
            label="Claim my seat",
            url=urls.absolute(settings.public_url, urls.seat_claim_page(token)),
        ),
        after=["If you were not expecting this, you can ignore this message."],
    )
