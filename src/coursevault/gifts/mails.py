"""The gift's message to its recipient: what was given, by whom, and the claim link."""

from __future__ import annotations

from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.gifts.models import Gift
from coursevault.http import urls
from coursevault.mail.message import Action, Message, compose


def claim_link(settings: Settings, gift: Gift, buyer: User | None, token: str) -> Message:
    """The mail that carries the claim link. The buyer's name and message go to this
    stranger's mailbox only once the buyer's own address is confirmed (M3, P11)."""
    known = buyer is not None and buyer.email_verified
    given = f"“{gift.course_title}”, a course on CourseVault"
    paragraphs = [
        f"{buyer.name} has given you {given}."
        if known and buyer
        else f"You have been given {given}."
    ]
    if known and gift.message:
        paragraphs += ["Their message:", gift.message]
    return compose(
        to=gift.recipient_email,
        subject=f"A gift for you: {gift.course_title}",
        greeting="Hello,",
        paragraphs=paragraphs,
        action=Action(
            label="Claim the course",
            url=urls.absolute(settings.public_url, urls.gift_claim_page(token)),
        ),
        after=[
            "Sign in (or create an account) to claim it. The link works for one account.",
            "If you were not expecting a gift, you can ignore this message.",
        ],
    )
