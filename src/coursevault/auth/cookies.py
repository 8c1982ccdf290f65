"""Browser session cookies (J7): httpOnly tokens, a readable CSRF token, Secure outside dev.

Outside development the names carry the browser-enforced prefixes: `__Host-` (Secure, path
/, no Domain: no subdomain or plain-http page can set or shadow it) for the access and
CSRF cookies, `__Secure-` for the refresh cookie, whose path is narrower than /.
Development serves plain http, where browsers refuse both prefixes.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from coursevault.auth import errors
from coursevault.auth.models import TokenPair
from coursevault.config import Settings
from coursevault.i18n import msg

ACCESS_COOKIE = "cv_access"
REFRESH_COOKIE = "cv_refresh"
CSRF_COOKIE = "cv_csrf"


def cookie_name(settings: Settings, name: str) -> str:
    """NAME as set and read under SETTINGS (prefixed outside development)."""
    if settings.is_development:
        return name
    return ("__Secure-" if name == REFRESH_COOKIE else "__Host-") + name


CSRF_HEADER = "X-CSRF-Token"
REFRESH_COOKIE_PATH = "/api/auth"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_session_cookies(response: Response, settings: Settings, pair: TokenPair) -> None:
    """Puts the token pair and a fresh CSRF token into cookies."""
    secure = not settings.is_development
    response.set_cookie(
        cookie_name(settings, ACCESS_COOKIE),
        pair.access_token,
        max_age=pair.expires_in,
        httponly=True,
        secure=secure,
        samesite="lax",
    )
    response.set_cookie(
        cookie_name(settings, REFRESH_COOKIE),
        pair.refresh_token,
        max_age=settings.refresh_token_ttl_seconds,
        httponly=True,
        secure=secure,
        samesite="strict",
        path=REFRESH_COOKIE_PATH,
    )
    # Readable by the page's script on purpose: it echoes it in X-CSRF-Token.
    response.set_cookie(
        cookie_name(settings, CSRF_COOKIE),
        secrets.token_urlsafe(24),
        max_age=settings.refresh_token_ttl_seconds,
        httponly=False,
        secure=secure,
        samesite="strict",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    secure = not settings.is_development
    response.delete_cookie(
        cookie_name(settings, ACCESS_COOKIE), httponly=True, secure=secure, samesite="lax"
    )
    response.delete_cookie(
        cookie_name(settings, REFRESH_COOKIE),
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=secure,
        samesite="strict",
    )
    response.delete_cookie(cookie_name(settings, CSRF_COOKIE), secure=secure, samesite="strict")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def trusted_origins(settings: Settings) -> set[str]:
    return {_origin(settings.public_url), *(_origin(o) for o in settings.trusted_origins)}


def check_origin(request: Request, settings: Settings) -> None:
    """Refuses a request whose Origin (or Referer) names a site we do not trust."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    # Browsers send Origin on every cross-site write; a client that sends neither is
    # not a browser being tricked, and the CSRF token still has to match.
    if origin and _origin(origin) not in trusted_origins(settings):
        raise errors.csrf_failed(msg("the request comes from an untrusted origin"))


def require_csrf(request: Request, settings: Settings) -> None:
    """Checks the double-submit token and the origin of a cookie-authenticated write (J7)."""
    if request.method in SAFE_METHODS:
        return
    check_origin(request, settings)
    cookie = request.cookies.get(cookie_name(settings, CSRF_COOKIE), "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not hmac.compare_digest(cookie.encode(), header.encode()):
        raise errors.csrf_failed(
            msg("the {header} header is missing or does not match", header=CSRF_HEADER)
        )
