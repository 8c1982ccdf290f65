"""The messages accounts send: confirm an address, reset a password, "someone tried to
sign up with your address". Each in the account's language."""

from __future__ import annotations

from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.http import urls
from coursevault.i18n import Msg, msg
from coursevault.mail.message import Action, Message, compose


def _hours(seconds: int) -> Msg:
    if seconds < 3600:
        return msg("{count} minutes", count=seconds // 60)
    hours = seconds // 3600
    return (
        msg("{count} hours", count=hours) if hours < 48 else msg("{count} days", count=hours // 24)
    )


def greeting(user: User) -> Msg:
    """M3: the greeting of a mail to USER, by name only once the address is confirmed.

    Until then the name is whatever the person who signed up typed, and that person may
    not own the address: a stranger's "name" (`Your account is locked, call …`) would reach
    the mailbox in our own mail. Other features' mails to an account should greet
    through this too."""
    return msg("Hello {name},", name=user.name) if user.email_verified else msg("Hello,")


def verify_email(settings: Settings, user: User, token: str) -> Message:
    return compose(
        to=user.email,
        language=user.language,
        subject=msg("Confirm your email address"),
        greeting=greeting(user),
        paragraphs=[msg("Please confirm that this is your address for CourseVault.")],
        action=Action(
            label=msg("Confirm my address"),
            url=urls.absolute(settings.public_url, urls.verify_email_page(token)),
        ),
        after=[
            msg(
                "The link works once, for {duration}.",
                duration=_hours(settings.email_verification_ttl_seconds),
            ),
            msg("If you did not create an account, ignore this message."),
        ],
    )


def password_reset(settings: Settings, user: User, token: str) -> Message:
    return compose(
        to=user.email,
        language=user.language,
        subject=msg("Reset your password"),
        greeting=greeting(user),
        paragraphs=[msg("Someone (hopefully you) asked to reset the password of your account.")],
        action=Action(
            label=msg("Choose a new password"),
            url=urls.absolute(settings.public_url, urls.password_reset_page(token)),
        ),
        after=[
            msg(
                "The link works once, for {duration}. Setting a new password signs you out "
                "everywhere.",
                duration=_hours(settings.password_reset_ttl_seconds),
            ),
            msg("If you did not ask for this, ignore this message: your password stays as it is."),
        ],
    )


def signup_attempt(settings: Settings, user: User) -> Message:
    return compose(
        to=user.email,
        language=user.language,
        subject=msg("Someone tried to sign up with your address"),
        greeting=greeting(user),
        paragraphs=[
            msg(
                "Someone tried to create a CourseVault account with this address, which "
                "already has one. No new account was created."
            ),
            msg("If it was you, sign in instead; if you forgot your password, reset it."),
        ],
        action=Action(
            label=msg("Reset my password"),
            url=urls.absolute(settings.public_url, urls.forgot_password_page()),
        ),
    )
