"""Opaque secrets handed out once (mailed links, refresh tokens): 256 random bits, stored
only as their SHA-256, so the database never holds one that works."""

from __future__ import annotations

import hashlib
import secrets


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which TOKEN is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A new token (URL-safe, 256 random bits) and its hash."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)
