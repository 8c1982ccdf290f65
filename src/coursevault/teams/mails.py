"""The seat invitation: which course, from which team, and the claim link."""

from __future__ import annotations

from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.http import urls
from coursevault.i18n import Language, msg
from coursevault.mail.message import Action, Message, compose
from coursevault.teams.models import Seat, Team


def invitation(
    settings: Settings,
    team: Team,
    seat: Seat,
    manager: User | None,
    token: str,
    language: Language,
) -> Message:
    """The mail that carries a seat's claim link to the address it is held for, in
    LANGUAGE. The manager's name goes to that mailbox only once the manager's address is
    confirmed (M3)."""
    given = msg("a seat for “{title}”, a course on CourseVault", title=team.course_title)
    if manager is not None and manager.email_verified:
        opening = msg(
            "{name} ({email}) has given you {given}.",
            name=manager.name,
            email=manager.email,
            given=given,
        )
    else:
        opening = msg("You have been given {given}.", given=given)
    return compose(
        to=seat.email,
        language=language,
        subject=msg("Your seat for {title}", title=team.course_title),
        greeting=msg("Hello,"),
        paragraphs=[
            opening,
            msg(
                "Sign in (or create an account) with this address, {email}, then claim it.",
                email=seat.email,
            ),
        ],
        action=Action(
            label=msg("Claim my seat"),
            url=urls.absolute(settings.public_url, urls.seat_claim_page(token)),
        ),
        after=[msg("If you were not expecting this, you can ignore this message.")],
    )
