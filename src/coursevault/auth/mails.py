"""The messages accounts send: confirm an address, reset a password, "someone tried to
sign up with your address"."""

from __future__ import annotations

from coursevault.auth.models import User
from coursevault.config import Settings
from coursevault.http import urls
from coursevault.mail.message import Action, Message, compose


def _hours(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds // 60} minutes"
    hours = seconds // 3600
    return f"{hours} hours" if hours < 48 else f"{hours // 24} days"


def greeting(user: User) -> str:
    """M3: the greeting of a mail to USER, by name only once the address is confirmed.

    Until then the name is whatever the person who signed up typed, and that person may
    not own the address: a stranger's "name" (`Your account is locked, call …`) would reach
    the mailbox in our own mail. Other features' mails to an account should greet
    through this too."""
    return f"Hello {user.name}," if user.email_verified else "Hello,"


def verify_email(settings: Settings, user: User, token: str) -> Message:
    return compose(
        to=user.email,
        subject="Confirm your email address",
        greeting=greeting(user),
        paragraphs=["Please confirm that this is your address for CourseVault."],
        action=Action(
            label="Confirm my address",
            url=urls.absolute(settings.public_url, urls.verify_email_page(token)),
        ),
        after=[
            f"The link works once, for {_hours(settings.email_verification_ttl_seconds)}.",
            "If you did not create an account, ignore this message.",
        ],
    )


def password_reset(settings: Settings, user: User, token: str) -> Message:
    return compose(
        to=user.email,
        subject="Reset your password",
        greeting=greeting(user),
        paragraphs=["Someone (hopefully you) asked to reset the password of your account."],
        action=Action(
            label="Choose a new password",
            url=urls.absolute(settings.public_url, urls.password_reset_page(token)),
        ),
        after=[
            f"The link works once, for {_hours(settings.password_reset_ttl_seconds)}. Setting "
            "a new password signs you out everywhere.",
            "If you did not ask for this, ignore this message: your password stays as it is.",
        ],
    )


def signup_attempt(settings: Settings, user: User) -> Message:
    return compose(
        to=user.email,
        subject="Someone tried to sign up with your address",
        greeting=greeting(user),
        paragraphs=[
            "Someone tried to create a CourseVault account with this address, which already "
            "has one. No new account was created.",
            "If it was you, sign in instead; if you forgot your password, reset it.",
        ],
        action=Action(
            label="Reset my password",
            url=urls.absolute(settings.public_url, urls.forgot_password_page()),
        ),
    )
