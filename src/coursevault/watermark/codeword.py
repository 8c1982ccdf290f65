"""Which variant each segment of one playback session gets.

Every account playing a watermarked video gets a short per-video number, shared by all
its sessions of that video (docs/security.md, F6); the number's codeword is a keyed
pseudo-random sequence of A/B choices, one per segment index. Decoding is by
maximum likelihood over the numbers actually issued (docs/security.md, F2): with soft
per-segment scores this beats a hard-decision Reed-Solomon decode, and the number of
candidates sets the threshold that keeps false accusations below one in a million.
Number 0 is the ordinary playlist (every segment A) for sessions without a mark.
"""

from __future__ import annotations

import hashlib
import hmac


def _stream(key: bytes, video_id: str, number: int, count: int) -> bytes:
    seed = hmac.new(key, f"{video_id}:{number}".encode(), hashlib.sha256).digest()
    return hashlib.shake_256(seed).digest((count + 7) // 8)


def bits(key: bytes, video_id: str, number: int, count: int) -> list[int]:
    """+1 (A) or -1 (B) for the first COUNT segments of session NUMBER."""
    if number == 0:
        return [1] * count
    stream = _stream(key, video_id, number, count)
    return [1 if stream[i // 8] >> (i % 8) & 1 else -1 for i in range(count)]


def bit(key: bytes, video_id: str, number: int, index: int) -> int:
    """The choice for segment INDEX alone (what a segment request checks)."""
    if number == 0:
        return 1
    return 1 if _stream(key, video_id, number, index + 1)[index // 8] >> (index % 8) & 1 else -1
