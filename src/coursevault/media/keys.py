"""Per-video AES-128 content keys (K3): random from `secrets`, stored only wrapped with
AES-GCM under a key derived from the master secret, bound to the video id."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coursevault.config import Settings
from coursevault.keys import derive_key
from coursevault.media.models import StoredKey

WRAP_KID = "v1"


@dataclass(frozen=True)
class ContentKey:
    key: bytes  # 16 bytes, AES-128 as HLS requires (RFC 8216 §4.3.2.4)
    iv: bytes  # 16 bytes, written into the playlists' EXT-X-KEY

    @classmethod
    def new(cls) -> ContentKey:
        return cls(key=secrets.token_bytes(16), iv=secrets.token_bytes(16))


def _wrapper(settings: Settings, kid: str) -> AESGCM:
    return AESGCM(derive_key(settings, f"video-key-wrap/{kid}"))


def wrap(settings: Settings, video_id: str, key: ContentKey) -> StoredKey:
    """Returns the stored form of KEY: nonce, ciphertext, the wrapping key's id and the IV."""
    nonce = secrets.token_bytes(12)
    wrapped = _wrapper(settings, WRAP_KID).encrypt(nonce, key.key, video_id.encode())
    return StoredKey(kid=WRAP_KID, nonce=nonce, wrapped=wrapped, iv=key.iv)


def unwrap(settings: Settings, video_id: str, stored: StoredKey) -> ContentKey:
    """Returns the content key from its stored form; fails if it belongs to another video."""
    key = _wrapper(settings, stored.kid).decrypt(stored.nonce, stored.wrapped, video_id.encode())
    return ContentKey(key=key, iv=stored.iv)
