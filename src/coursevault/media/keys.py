"""Video key material (K3): random from `secrets`, stored only wrapped with AES-GCM under a
key derived from the master secret, bound to the video id.

Videos packaged by our packager have one 32-byte *video secret*; the AES-128 key of
period n is HMAC-SHA256(secret, "coursevault/period-key/v1|<video>|<n>") cut to 16 bytes,
so no period key is ever stored and every rendition uses the same key for a period.
Videos packaged before key rotation keep their single stored key (period 0).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coursevault.config import Settings
from coursevault.kdf import derive_key
from coursevault.media.models import KeyScheme, StoredKey

WRAP_KID = "v1"
PERIOD_KEY_LABEL = b"coursevault/period-key/v1"


@dataclass(frozen=True)
class VideoSecret:
    secret: bytes  # 32 bytes; never leaves the server
    rotation: int  # segments per period (0: one period)
    periods: int

    @classmethod
    def new(cls, *, rotation: int) -> VideoSecret:
        return cls(secret=secrets.token_bytes(32), rotation=rotation, periods=0)


def _wrapper(settings: Settings, kid: str) -> AESGCM:
    return AESGCM(derive_key(settings, f"video-key-wrap/{kid}"))


def period_key(secret: bytes, video_id: str, period: int) -> bytes:
    """The AES-128 key of one period (RFC 8216 §4.3.2.4 wants 16 bytes)."""
    message = b"|".join((PERIOD_KEY_LABEL, video_id.encode(), str(period).encode()))
    return hmac.new(secret, message, hashlib.sha256).digest()[:16]


def wrap(settings: Settings, video_id: str, video: VideoSecret) -> StoredKey:
    """Returns the stored form of a video secret: nonce, ciphertext, wrapping key id."""
    nonce = secrets.token_bytes(12)
    wrapped = _wrapper(settings, WRAP_KID).encrypt(nonce, video.secret, video_id.encode())
    return StoredKey(
        kid=WRAP_KID,
        nonce=nonce,
        wrapped=wrapped,
        scheme=KeyScheme.periods,
        rotation=video.rotation,
        periods=video.periods,
    )


def unwrap(settings: Settings, video_id: str, stored: StoredKey) -> bytes:
    """Returns the stored secret (or single key); fails if it belongs to another video."""
    return _wrapper(settings, stored.kid).decrypt(stored.nonce, stored.wrapped, video_id.encode())


def key_of_period(
    settings: Settings, video_id: str, stored: StoredKey, period: int
) -> bytes | None:
    """Returns the AES-128 key of PERIOD of the video, or None if it names no period."""
    if stored.scheme is KeyScheme.single:
        return unwrap(settings, video_id, stored) if period == 0 else None
    if not 0 <= period < (stored.periods or 0):
        return None
    return period_key(unwrap(settings, video_id, stored), video_id, period)
