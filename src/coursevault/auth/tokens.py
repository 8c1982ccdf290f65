"""Signed JWTs (RFC 8725): one pinned algorithm, a key per token type, every claim required.

Token types never cross (J3): each type has its own derived key *and* its own `typ`
claim, so an access token is refused where a reset or playback token is expected.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from coursevault import clock
from coursevault.config import Settings
from coursevault.kdf import derive_key

# A larger header is not one we issued (J4); refuse it before any parsing.
MAX_TOKEN_LENGTH = 4096
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud", "typ", "jti")
KEY_ID = "v1"  # `kid` only indexes the in-process key map (J3); rotation adds "v2".


class TokenError(Exception):
    """The token is missing, malformed, forged, expired or of another type."""


@dataclass(frozen=True)
class Claims:
    sub: str
    typ: str
    jti: str
    extra: dict[str, Any]


def _keys(settings: Settings, typ: str) -> dict[str, bytes]:
    return {KEY_ID: derive_key(settings, f"jwt/{typ}/{KEY_ID}")}


def encode(settings: Settings, *, typ: str, sub: str, ttl: timedelta, **extra: Any) -> str:
    """Returns a signed token of type TYP for subject SUB that expires after TTL."""
    issued = clock.now()
    payload = {
        **extra,
        "sub": sub,
        "typ": typ,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(
        payload,
        _keys(settings, typ)[KEY_ID],
        algorithm=settings.jwt_algorithm,
        headers={"kid": KEY_ID},
    )


def decode(settings: Settings, token: str, *, typ: str) -> Claims:
    """Returns the verified claims of TOKEN, which must be a live token of type TYP."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("token missing or too long")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != settings.jwt_algorithm:
            raise TokenError("unexpected algorithm")
        key = _keys(settings, typ).get(header.get("kid"))  # type: ignore[arg-type]
        if key is None:
            raise TokenError("unknown key id")
        payload = jwt.decode(
            token,
            key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.token_leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except TokenError:
        raise
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise TokenError(str(exc)) from exc
    # RFC 7519 NumericDates, as we issue them: integers. PyJWT would also take "123".
    for claim in ("exp", "iat", "nbf"):
        if claim in payload and (
            not isinstance(payload[claim], int) or isinstance(payload[claim], bool)
        ):
            raise TokenError(f"{claim} is not an integer date")
    issued_at = payload["iat"]
    if issued_at > (clock.now().timestamp() + settings.token_leeway_seconds):
        raise TokenError("issued in the future")
    if payload["typ"] != typ or not isinstance(payload["sub"], str):
        raise TokenError("wrong token type")
    extra = {k: v for k, v in payload.items() if k not in REQUIRED_CLAIMS}
    return Claims(sub=payload["sub"], typ=payload["typ"], jti=str(payload["jti"]), extra=extra)
