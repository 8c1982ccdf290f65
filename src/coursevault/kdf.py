"""Purpose keys derived from the master secret: one key per use, none stands in for another."""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from coursevault.config import Settings


@lru_cache(maxsize=64)
def derive_from(master: bytes, purpose: str, length: int = 32) -> bytes:
    """Returns the key for PURPOSE derived from MASTER by HKDF-SHA256 (cached: hot paths)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"coursevault", info=purpose.encode()
    ).derive(master)


def derive_key(settings: Settings, purpose: str, length: int = 32) -> bytes:
    """Returns the key for PURPOSE (e.g. "jwt/access/v1") derived from the master secret."""
    return derive_from(settings.master_secret, purpose, length)
