"""Account and session rules: registration, sign-in, refresh rotation, logout, roles."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from coursevault import clock
from coursevault.auth import errors, links, mails, passwords, throttle, tokens
from coursevault.auth import repo as auth_repo
from coursevault.auth.models import Role, TokenPair, User, normalize_email
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import DEFAULT, Language, Msg, msg
from coursevault.tokens import new_token, token_hash

log = logging.getLogger(__name__)

ACCESS = "access"


@dataclass(frozen=True)
class Session:
    """A signed-in request: the user and the sign-in (refresh-token family) it belongs to."""

    user: User
    family: str


def _check_policy(settings: Settings, password: str, *personal: str) -> None:
    problem = passwords.policy_problem(
        password, min_length=settings.password_min_length, personal=personal
    )
    if problem:
        raise errors.weak_password(problem)


async def create_user(
    *,
    db: Database,
    settings: Settings,
    email: str,
    name: str,
    password: str,
    role: Role,
    verified: bool = False,
    language: Language | None = None,
) -> User:
    """Creates an account with ROLE; raises 409 for a taken email, 422 for a weak password.

    For operators (the CLI, the demo): the public form is `register`, which never tells."""
    email = normalize_email(email)  # W10, for callers that bypass the request models
    _check_policy(settings, password, email, name)
    password_hash = await asyncio.to_thread(passwords.hash_password, settings, password)
    try:
        return await auth_repo.insert_user(
            db=db,
            email=email,
            name=name,
            password_hash=password_hash,
            roles=[role],
            verified=verified,
            language=language,
        )
    except auth_repo.EmailTaken:
        raise errors.email_taken() from None


async def register(
    *,
    db: Database,
    settings: Settings,
    email: str,
    name: str,
    password: str,
    role: Role,
    language: Language | None = None,
) -> None:
    """Signs up a student or (while sign-up is open) an instructor from the public form.

    A new address gets its account and a confirmation link; an address that already has an
    account gets a mail to its owner instead. Both answer alike, after the same work (the
    password is hashed either way), so the form does not tell who has an account.
    """
    if role is Role.admin or (role is Role.instructor and not settings.open_instructor_signup):
        raise errors.forbidden(msg("Instructor sign-up is closed; ask an administrator."))
    try:
        user = await create_user(
            db=db,
            settings=settings,
            email=email,
            name=name,
            password=password,
            role=role,
            language=language,
        )
    except AppError as exc:
        if exc.code is not ErrorCode.email_taken:
            raise
        await links.queue_signup_attempt(db=db, settings=settings, email=normalize_email(email))
        return
    await links.queue_verification(db=db, settings=settings, user=user)


async def issue_tokens(
    *, db: Database, settings: Settings, user: User, family: str | None = None
) -> TokenPair:
    """Returns a new access token and refresh token for USER in FAMILY (new sign-in if None)."""
    family = family or secrets.token_urlsafe(16)
    refresh_token, hashed = new_token()  # J5: 256 random bits, only its hash is kept
    await auth_repo.insert_refresh_token(
        db=db,
        token_hash=hashed,
        family=family,
        user_id=user.id,
        expires_at=clock.now() + timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    access = tokens.encode(
        settings,
        typ=ACCESS,
        sub=user.id,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        sid=family,
        # The stored id (a SHA-256) of the refresh token issued with it, not the token: it
        # lets a request find its sign-in live by `_id` (auth.repo.family_is_live).
        rt=hashed,
    )
    return TokenPair(
        access_token=access,
        expires_in=settings.access_token_ttl_seconds,
        refresh_token=refresh_token,
    )


async def login(
    *, db: Database, settings: Settings, email: str, password: str, ip: str
) -> tuple[User, TokenPair]:
    """Signs in with EMAIL and PASSWORD, throttled per account and per IP (W2, W3)."""
    email = normalize_email(email)  # W10: every spelling counts against the one account
    await throttle.check(db=db, email=email, ip=ip)
    user = await auth_repo.get_user_by_email(db=db, email=email)
    too_long = passwords.policy_problem(password, min_length=0) is not None
    if user is None or too_long:
        if not too_long:
            await asyncio.to_thread(passwords.burn_verification, settings, password)
        verdict = passwords.Verdict(matched=False)
    else:
        verdict = await asyncio.to_thread(
            passwords.verify_password, settings, user.password_hash, password
        )
    if not verdict.matched or user is None or user.disabled:
        await throttle.record_failure(db=db, settings=settings, email=email, ip=ip)
        log.info("login failed for %s from %s", email, ip)
        raise errors.invalid_credentials()
    await throttle.record_success(db=db, email=email)
    if verdict.rehash:  # W1: parameters grew; W6: made before normalisation
        new_hash = await asyncio.to_thread(passwords.hash_password, settings, password)
        # The same password in a new hash: outstanding reset links stay (W8 voids them
        # only when the password itself changes).
        await auth_repo.update_user(db=db, user_id=user.id, password_hash=new_hash)
    return user, await issue_tokens(db=db, settings=settings, user=user)


async def refresh(*, db: Database, settings: Settings, refresh_token: str) -> TokenPair:
    """Rotates REFRESH_TOKEN into a new pair; a replayed rotated token ends its family (J5).

    Concurrent refreshes with one token: exactly one wins. A loser that arrives within
    `refresh_reuse_grace_seconds` of the rotation gets 401 `refresh_conflict` and the
    session stays alive (two browser tabs racing); later replays revoke the family.
    """
    hashed = token_hash(refresh_token)
    consumed = await auth_repo.consume_refresh_token(db=db, token_hash=hashed)
    if consumed is None:
        stored = await auth_repo.get_refresh_token(db=db, token_hash=hashed)
        if stored is None or stored["revoked_at"] is not None:
            raise errors.invalid_token()
        if stored["used_at"] is not None:
            grace = timedelta(seconds=settings.refresh_reuse_grace_seconds)
            if clock.now() - stored["used_at"] <= grace:
                raise errors.refresh_conflict()
            await auth_repo.revoke_family(db=db, family=stored["family"])
            log.warning("refresh token reuse: revoked family of user %s", stored["user_id"])
            raise errors.refresh_reused()
        raise errors.invalid_token()  # expired
    user = await auth_repo.get_user(db=db, user_id=consumed["user_id"])
    if user is None or user.disabled:
        await auth_repo.revoke_family(db=db, family=consumed["family"])
        raise errors.invalid_token()
    return await issue_tokens(db=db, settings=settings, user=user, family=consumed["family"])


async def authenticate(
    *, db: Database, settings: Settings, access_token: str, max_age: float = 0.0
) -> Session:
    """Returns the session of a valid access token whose sign-in is still live (J6).

    MAX_AGE > 0 lets the answer come from a lookup at most that many seconds old; only the
    key endpoint asks for it, and docs/security.md counts it in the revocation bound.
    """
    try:
        claims = tokens.decode(settings, access_token, typ=ACCESS)
    except tokens.TokenError:
        raise errors.invalid_token() from None
    family = claims.extra.get("sid")
    if not isinstance(family, str):
        raise errors.invalid_token()
    issued_with = claims.extra.get("rt")
    user = await auth_repo.live_sign_in(
        db=db,
        user_id=claims.sub,
        family=family,
        token_hash=issued_with if isinstance(issued_with, str) else None,
        max_age=max_age,
    )
    if user is None:
        raise errors.invalid_token()
    return Session(user=user, family=family)


async def logout(*, db: Database, family: str) -> None:
    """Ends one sign-in: its refresh tokens and access tokens stop working."""
    await auth_repo.revoke_family(db=db, family=family)


async def _store_new_password(*, db: Database, user_id: str, password_hash: str) -> None:
    """Stores the hash of a new password; every path that changes a password goes through
    here, so no reset link mailed for the old one outlives it (W8)."""
    await auth_repo.update_user(
        db=db, user_id=user_id, password_hash=password_hash, password_changed_at=clock.now()
    )
    await auth_repo.delete_account_tokens(db=db, user_id=user_id, purpose=links.RESET)


async def change_password(
    *, db: Database, settings: Settings, session: Session, current: str, new: str
) -> None:
    """Changes the password after checking CURRENT; ends every other sign-in (J6) and
    voids the account's outstanding reset links (W8)."""
    verdict = await asyncio.to_thread(
        passwords.verify_password, settings, session.user.password_hash, current
    )
    if not verdict.matched:
        raise errors.invalid_credentials()
    _check_policy(settings, new, session.user.email, session.user.name)
    new_hash = await asyncio.to_thread(passwords.hash_password, settings, new)
    await _store_new_password(db=db, user_id=session.user.id, password_hash=new_hash)
    await auth_repo.revoke_user_families(db=db, user_id=session.user.id, keep_family=session.family)


# ---- flows by mail: confirm an address, reset a forgotten password -----------------------


async def verify_email(*, db: Database, token: str) -> None:
    """Marks the address of the link's account as confirmed; 400 for a dead link."""
    user_id = await links.consume(db=db, token=token, purpose=links.VERIFY)
    if user_id is None:
        raise errors.invalid_link()
    await auth_repo.mark_verified(db=db, user_id=user_id)


async def resend_verification(*, db: Database, settings: Settings, user: User) -> None:
    """Mails USER a new confirmation link."""
    if not settings.mail_enabled:
        raise errors.mail_disabled()
    if user.email_verified:
        raise errors.already_verified()
    await links.queue_verification(db=db, settings=settings, user=user)


async def request_password_reset(*, db: Database, settings: Settings, email: str) -> None:
    """Mails a reset link if EMAIL has an account; the caller learns nothing either way."""
    if not settings.mail_enabled:
        raise errors.mail_disabled()
    await links.queue_reset(db=db, settings=settings, email=normalize_email(email))


async def confirm_password_reset(
    *, db: Database, settings: Settings, token: str, password: str
) -> None:
    """Sets a new password with a reset link; every sign-in of the account ends (J6).

    The link is checked, then the password, and only then used up: a refused weak password
    leaves the link working for a second try.
    """
    user_id = await links.peek(db=db, token=token, purpose=links.RESET)
    user = await auth_repo.get_user(db=db, user_id=user_id) if user_id else None
    if user is None or user.disabled:
        raise errors.invalid_link()
    _check_policy(settings, password, user.email, user.name)
    password_hash = await asyncio.to_thread(passwords.hash_password, settings, password)
    if await links.consume(db=db, token=token, purpose=links.RESET) is None:
        raise errors.invalid_link()  # used by a racing request a moment ago
    await _store_new_password(db=db, user_id=user.id, password_hash=password_hash)
    await auth_repo.mark_verified(db=db, user_id=user.id)  # the mailbox answered
    await auth_repo.revoke_user_families(db=db, user_id=user.id, keep_family=None)
    await throttle.record_success(db=db, email=user.email)
    log.info("password reset by mail for user %s; every sign-in ended", user.id)


async def update_profile(
    *,
    db: Database,
    user: User,
    name: str | None,
    bio: str | None,
    language: Language | None = None,
) -> User:
    """Changes the display name and the short bio people see with one's courses, and the
    language the server writes to the account in."""
    changes = (("name", name), ("bio", bio), ("language", language))
    fields = {k: v for k, v in changes if v is not None}
    updated = await auth_repo.update_user(db=db, user_id=user.id, **fields) if fields else user
    assert updated is not None
    return updated


async def get_user(*, db: Database, user_id: str) -> User | None:
    return await auth_repo.get_user(db=db, user_id=user_id)


async def get_users(*, db: Database, user_ids: list[str]) -> dict[str, User]:
    return await auth_repo.get_users(db=db, user_ids=list(set(user_ids)))


async def get_by_email(*, db: Database, email: str) -> User | None:
    """Returns the user with EMAIL (normalized here, W10), or None."""
    return await auth_repo.get_user_by_email(db=db, email=normalize_email(email))


async def language_for(*, db: Database, email: str, sender: User | None) -> Language:
    """The language of mail to EMAIL on SENDER's behalf (a gift, a seat): its account's,
    else the sender's (the address may have no account yet), else English."""
    recipient = await get_by_email(db=db, email=email)
    if recipient is not None:
        return recipient.language
    return sender.language if sender is not None else DEFAULT


async def set_role(*, db: Database, user: User, role: Role) -> User:
    """Gives USER exactly ROLE."""
    updated = await auth_repo.update_user(db=db, user_id=user.id, roles=[str(role)])
    assert updated is not None
    return updated


async def change_role(*, db: Database, actor: User, user_id: str, role: Role) -> User:
    """Gives account USER_ID exactly ROLE; ACTOR (an admin) cannot demote themselves."""
    user = await get_user(db=db, user_id=user_id)
    if user is None:
        raise errors.user_not_found()
    if user.id == actor.id and role is not Role.admin:
        raise errors.cannot_demote_self()
    return await set_role(db=db, user=user, role=role)


async def set_disabled(*, db: Database, user: User, disabled: bool) -> User:
    """Disables or re-enables USER; disabling ends every sign-in at once (J6)."""
    updated = await auth_repo.update_user(db=db, user_id=user.id, disabled=disabled)
    if disabled:
        await auth_repo.revoke_user_families(db=db, user_id=user.id, keep_family=None)
    assert updated is not None
    return updated


def has_role(user: User, role: Role) -> bool:
    """Returns whether USER may act as ROLE (an admin may act as anyone)."""
    return role in user.roles or Role.admin in user.roles


async def list_users(*, db: Database, page: int, per_page: int) -> tuple[list[User], int]:
    """Returns one page of accounts."""
    return await auth_repo.list_users(db=db, skip=(page - 1) * per_page, limit=per_page)


def greeting(user: User) -> Msg:
    """The greeting of any mail to USER: by name only once the address is confirmed (M3)."""
    return mails.greeting(user)
