"""Who is calling: CurrentUser, Instructor, Admin (chained dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coursevault import i18n
from coursevault.auth import errors
from coursevault.auth import service as auth
from coursevault.auth.cookies import ACCESS_COOKIE, cookie_name, require_csrf
from coursevault.auth.models import Role, User
from coursevault.http.deps import AppSettings, Db
from coursevault.i18n import msg


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.invalid_token()
    return token.strip()


async def _authenticate(
    request: Request, db: Db, settings: AppSettings, max_age: float
) -> auth.Session:
    token = _bearer(request)
    if token is None:
        token = request.cookies.get(cookie_name(settings, ACCESS_COOKIE))
        if not token:
            raise errors.not_authenticated()
        require_csrf(request, settings)
    session = await auth.authenticate(db=db, settings=settings, access_token=token, max_age=max_age)
    # For the error handler: an error after this point answers in the account's language
    # (one it never chose leaves the request's Accept-Language to decide).
    if session.user.language_chosen:
        i18n.remember(request.scope.setdefault("state", {}), session.user.language)
    return session


async def current_session(request: Request, db: Db, settings: AppSettings) -> auth.Session:
    """Authenticates by Bearer header (API clients) or by cookie plus CSRF proof (browsers).

    Tokens in the query string are never read (J8).
    """
    return await _authenticate(request, db, settings, max_age=0.0)


async def recent_session(request: Request, db: Db, settings: AppSettings) -> auth.Session:
    """As current_session, but a sign-in seen live up to COURSEVAULT_ACCESS_CACHE_SECONDS
    ago counts: for the key endpoint, whose revocation bound includes that delay."""
    return await _authenticate(request, db, settings, max_age=settings.access_cache_seconds)


CurrentSession = Annotated[auth.Session, Depends(current_session)]
RecentSession = Annotated[auth.Session, Depends(recent_session)]


async def current_user(session: CurrentSession) -> User:
    return session.user


CurrentUser = Annotated[User, Depends(current_user)]


async def optional_user(request: Request, db: Db, settings: AppSettings) -> User | None:
    """The caller when signed in, None for anonymous visitors (public pages)."""
    if "authorization" not in request.headers and not request.cookies.get(
        cookie_name(settings, ACCESS_COOKIE)
    ):
        return None
    session = await current_session(request, db, settings)
    return session.user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def _requires(role: Role) -> object:
    async def check(user: CurrentUser) -> User:
        if not auth.has_role(user, role):
            raise errors.forbidden(msg("This needs the {role} role.", role=str(role)))
        return user

    return check


Instructor = Annotated[User, Depends(_requires(Role.instructor))]
Admin = Annotated[User, Depends(_requires(Role.admin))]
