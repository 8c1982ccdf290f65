"""The development outbox: each message one `.eml` file in `DATA_DIR/outbox`, readable
with `coursevault mail list|show`. Files are private (mode 600): they hold sign-in links."""

from __future__ import annotations

import email
import email.policy
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from coursevault import clock

OUTBOX = "outbox"


@dataclass(frozen=True)
class Stored:
    id: str
    date: datetime
    to: str
    subject: str
    text: str


def _dir(data_dir: Path) -> Path:
    return data_dir / OUTBOX


def write(data_dir: Path, mime: EmailMessage) -> Path:
    """Stores MIME whole (a reader never sees half a message) and returns its path."""
    folder = _dir(data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{clock.now():%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"
    tmp = folder / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(mime.as_bytes())
    path = folder / f"{name}.eml"
    tmp.rename(path)
    return path


def _read(path: Path) -> Stored:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("plain",))
    return Stored(
        id=path.stem,
        date=parsedate_to_datetime(str(parsed["Date"])),
        to=str(parsed["To"]),
        subject=str(parsed["Subject"]),
        text=body.get_content() if body is not None else "",
    )


def messages(data_dir: Path) -> list[Stored]:
    """Returns the outbox, oldest first."""
    folder = _dir(data_dir)
    if not folder.is_dir():
        return []
    return [_read(path) for path in sorted(folder.glob("*.eml"))]


def find(data_dir: Path, message_id: str) -> Stored | None:
    """Returns the message whose id is MESSAGE_ID or, if unique, starts with it."""
    if "/" in message_id or message_id.startswith("."):
        return None
    found = [m for m in messages(data_dir) if m.id.startswith(message_id)]
    exact = [m for m in found if m.id == message_id]
    if exact:
        return exact[0]
    return found[0] if len(found) == 1 else None
