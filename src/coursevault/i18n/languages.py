"""Which languages the server speaks, and which one a tag or a request asks for.

A tag that names no shipped language is English, never an error (issue #28): an account
set to `klingon` reads its mail in English.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Literal, cast, get_args

Language = Literal["en", "de"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT: Language = "en"

# Where the auth dependency leaves the signed-in account's language for the error handler
# (the request's `state`), so an error answer needs no second read of the account.
_STATE_KEY = "language"


def _primary(tag: str) -> str:
    return tag.strip().replace("_", "-").partition("-")[0].lower()


def shipped(tag: str | None) -> Language:
    """The shipped language TAG names by its primary subtag ("de", "de-AT", "DE_ch" → "de"),
    else English."""
    primary = _primary(tag or "")
    return primary if primary in LANGUAGES else DEFAULT


def _quality(value: str) -> float:
    try:
        q = float(value)
    except ValueError:
        return 0.0
    return q if 0.0 <= q <= 1.0 else 0.0


def from_accept_language(header: str | None) -> Language:
    """The shipped language an `Accept-Language` header prefers most (RFC 9110 §12.5.4:
    q-values, `q=0` means "not this"), else English."""
    choices: list[tuple[float, int, str]] = []
    for index, item in enumerate((header or "").split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _quality(value.strip())
        if tag and q > 0:
            choices.append((-q, index, tag))
    for _, _, tag in sorted(choices):
        if tag == "*":
            return DEFAULT
        if _primary(tag) in LANGUAGES:
            return shipped(tag)
    return DEFAULT


def remember(state: MutableMapping[str, Any], language: Language) -> None:
    """Notes the signed-in account's LANGUAGE in a request's STATE (`scope["state"]`)."""
    state[_STATE_KEY] = language


def of_request(scope: Mapping[str, Any]) -> Language:
    """The language to answer an ASGI request in: the signed-in account's when the auth
    dependency ran, else its `Accept-Language`, else English."""
    remembered = (scope.get("state") or {}).get(_STATE_KEY)
    if remembered in LANGUAGES:
        return cast(Language, remembered)
    for name, value in scope.get("headers") or ():
        if name == b"accept-language":
            return from_accept_language(value.decode("latin-1"))
    return DEFAULT
