"""Stripe webhook signatures (P1): HMAC over the raw body, timestamp tolerance both ways."""

from __future__ import annotations

import json
import time
from typing import Any

import stripe

from coursevault.payments.errors import bad_signature


def verify(payload: bytes, header: str | None, secret: str, tolerance: int) -> dict[str, Any]:
    """Returns the event if HEADER signs PAYLOAD with SECRET within TOLERANCE seconds."""
    if not header:
        raise bad_signature("no Stripe-Signature header")
    try:
        # Stripe's own check: scheme v1, constant-time compare, too-old timestamps.
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), header, secret, tolerance)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise bad_signature(str(exc).rstrip(".").lower() or "bad signature") from None
    # Stripe's SDK accepts any future timestamp; a signed event dated ahead is refused too.
    stamps = [part[2:] for part in header.split(",") if part.strip().startswith("t=")]
    if not stamps or not stamps[0].strip().isdigit():
        raise bad_signature("no timestamp")
    if int(stamps[0]) > time.time() + tolerance:
        raise bad_signature("timestamp is in the future")
    try:
        event = json.loads(payload)
    except ValueError:
        raise bad_signature("body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise bad_signature("not an event")
    return event
