"""Purpose keys derived from the master secret: one key per use, none stands in for another."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from coursevault.config import Settings


def derive_key(settings: Settings, purpose: str, length: int = 32) -> bytes:
    """Returns the key for PURPOSE (e.g. "jwt-access/v1") derived by HKDF-SHA256."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=b"coursevault",
        info=purpose.encode(),
    ).derive(settings.master_secret)
