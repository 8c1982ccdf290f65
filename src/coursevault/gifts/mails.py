"""The gift's message to its recipient: what was given, by whom, and the claim link."""

from __future__ import annotations

from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.gifts.models import Gift
from coursevault.http import urls
from coursevault.i18n import Language, Text, msg
from coursevault.mail.message import Action, Message, compose


def claim_link(
    settings: Settings, gift: Gift, buyer: User | None, token: str, language: Language
) -> Message:
    """The mail that carries the claim link, in LANGUAGE. The buyer's name and message go
    to this stranger's mailbox only once the buyer's own address is confirmed (M3, P11)."""
    known = buyer is not None and buyer.email_verified
    given = msg("“{title}”, a course on CourseVault", title=gift.course_title)
    paragraphs: list[Text] = [
        msg("{name} has given you {given}.", name=buyer.name, given=given)
        if known and buyer
        else msg("You have been given {given}.", given=given)
    ]
    if known and gift.message:
        paragraphs += [msg("Their message:"), gift.message]  # the buyer's words, as typed
    return compose(
        to=gift.recipient_email,
        language=language,
        subject=msg("A gift for you: {title}", title=gift.course_title),
        greeting=msg("Hello,"),
        paragraphs=paragraphs,
        action=Action(
            label=msg("Claim the course"),
            url=urls.absolute(settings.public_url, urls.gift_claim_page(token)),
        ),
        after=[
            msg("Sign in (or create an account) to claim it. The link works for one account."),
            msg("If you were not expecting a gift, you can ignore this message."),
        ],
    )
