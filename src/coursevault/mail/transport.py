"""Delivers one message: over SMTP when `COURSEVAULT_SMTP_URL` is set, otherwise (in
development) into the outbox in the data directory."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from coursevault import clock
from coursevault.config import Settings
from coursevault.mail import outbox
from coursevault.mail.message import Message

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30.0


class PermanentDeliveryError(Exception):
    """The server refused the message for good (5xx): sending it again cannot help."""


def build(settings: Settings, message: Message) -> EmailMessage:
    """Returns MESSAGE as a MIME message: text first, HTML as the richer alternative."""
    mime = EmailMessage()
    mime["From"] = settings.mail_from
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(clock.now())
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    mime["Message-ID"] = make_msgid(domain=domain)
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    return mime


async def deliver(settings: Settings, message: Message) -> str:
    """Sends MESSAGE; returns where it went. Raises PermanentDeliveryError on a 5xx refusal,
    any other exception for a failure worth retrying."""
    mime = build(settings, message)
    if settings.smtp_url is None:
        path = outbox.write(settings.data_dir, mime)
        log.info("mail to %s (%s) written to the outbox: %s", message.to, message.subject, path)
        return str(path)
    url = urlsplit(settings.smtp_url.get_secret_value())
    secure = url.scheme == "smtps"
    try:
        await aiosmtplib.send(
            mime,
            hostname=url.hostname,
            port=url.port or (465 if secure else 587),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            use_tls=secure,
            # smtp://: STARTTLS whenever the server offers it (aiosmtplib's default).
            timeout=SMTP_TIMEOUT_SECONDS,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError(f"recipient refused: {exc}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500:
            raise PermanentDeliveryError(f"{exc.code} {exc.message}") from exc
        raise
    log.info("mail to %s (%s) sent via %s", message.to, message.subject, url.hostname)
    return f"smtp://{url.hostname}"
