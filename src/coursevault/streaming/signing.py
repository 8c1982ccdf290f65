"""Signed media tokens (S1–S4, S6), shaped like CloudFront / nginx secure_link tokens.

    v1.<kid>.<expires>.<session>.<mac>

`mac` is base64url HMAC-SHA256, under its own derived key, over an unambiguous
canonical string of version, key id, video id, playback session id and expiry. The
video id is in the path, not the token, and inside the MAC: a token signed for video
`12` never opens video `123` (S4). The token sits in the path
(`/hls/<token>/<video>/master.m3u8`) so the relative URIs of every playlist inherit it
and no playlist is rewritten per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from coursevault.config import Settings
from coursevault.kdf import derive_key

VERSION = "v1"
KEY_ID = "k1"  # a new kid (and key) can be added beside it to rotate without a cut-over
_KIDS = (KEY_ID,)
_VIDEO = re.compile(r"[0-9a-f]{24}")
_SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
# The expiry in canonical decimal only: with leading zeros allowed, one grant would have
# many URLs (each a separate cache entry, and a way to tell copies apart).
_TOKEN = re.compile(
    r"v1\.(?P<kid>[a-z0-9]{1,8})\.(?P<exp>[1-9][0-9]{0,11})\."
    r"(?P<sid>[A-Za-z0-9_-]{8,64})\.(?P<mac>[A-Za-z0-9_-]{43})"
)


class InvalidMediaToken(Exception):
    """Missing, malformed, forged, expired or for another video: always 403 (S2)."""


@dataclass(frozen=True)
class MediaGrant:
    video_id: str
    session_id: str
    expires: int


def _mac(settings: Settings, kid: str, video_id: str, session_id: str, expires: int) -> str:
    key = derive_key(settings, f"media-url/{kid}")
    canonical = f"{VERSION}\n{kid}\n{video_id}\n{session_id}\n{expires}".encode()
    digest = hmac.new(key, canonical, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(settings: Settings, *, video_id: str, session_id: str, expires: int) -> str:
    """Returns the token that opens VIDEO_ID's media for SESSION_ID until EXPIRES (epoch s)."""
    if not _VIDEO.fullmatch(video_id) or not _SESSION.fullmatch(session_id):
        raise ValueError("video or session id of the wrong shape")
    mac = _mac(settings, KEY_ID, video_id, session_id, expires)
    return f"{VERSION}.{KEY_ID}.{expires}.{session_id}.{mac}"


def verify(
    settings: Settings, token: str, *, video_id: str, now: float | None = None
) -> MediaGrant:
    """Returns what TOKEN grants for VIDEO_ID, or raises InvalidMediaToken."""
    match = _TOKEN.fullmatch(token)
    if match is None or match["kid"] not in _KIDS or not _VIDEO.fullmatch(video_id):
        raise InvalidMediaToken("malformed")
    expires = int(match["exp"])
    expected = _mac(settings, match["kid"], video_id, match["sid"], expires)
    if not hmac.compare_digest(expected.encode(), match["mac"].encode()):  # S6
        raise InvalidMediaToken("bad signature")
    if expires <= (time.time() if now is None else now):
        raise InvalidMediaToken("expired")
    return MediaGrant(video_id=video_id, session_id=match["sid"], expires=expires)
