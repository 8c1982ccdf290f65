"""The tus 1.0.0 HTTP adapter: headers in, typed values out (Core, Creation, Termination,
Expiration and Checksum extensions). The service below it sees offsets, lengths, an
async iterator of chunks and a checksum, never an HTTP header.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated

from fastapi import Header, Request, Response, status
from starlette.requests import ClientDisconnect

from coursevault.http.deps import AppSettings
from coursevault.i18n import msg
from coursevault.media import errors

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration,checksum"
OFFSET_STREAM = "application/offset+octet-stream"
# Upload-Checksum algorithm names, which are also hashlib's names.
CHECKSUMS = ("sha1", "sha256", "md5")


async def require_tus_version(tus_resumable: Annotated[str | None, Header()] = None) -> None:
    """Refuses a request without `Tus-Resumable: 1.0.0` (412)."""
    if tus_resumable != TUS_VERSION:
        raise errors.tus_version()


def expires(when: datetime) -> str:
    """Formats an Upload-Expires value (RFC 9110 HTTP date)."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def set_headers(response: Response, **headers: str) -> None:
    """Adds Tus-Resumable, no-store and HEADERS (underscores become dashes)."""
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value


async def options(settings: AppSettings) -> Response:
    """The OPTIONS answer: version, extensions, size limit and checksum algorithms."""
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    set_headers(
        response,
        Tus_Version=TUS_VERSION,
        Tus_Extension=TUS_EXTENSIONS,
        Tus_Max_Size=str(settings.max_upload_bytes),
        Tus_Checksum_Algorithm=",".join(CHECKSUMS),
    )
    return response


def int_header(value: str | None, name: str) -> int:
    """Parses a non-negative integer header; 400 bad_upload_request otherwise."""
    if value is None or not value.isdigit():
        raise errors.bad_upload_request(msg("{name} must be a non-negative integer", name=name))
    return int(value)


def check_content_type(content_type: str | None) -> None:
    """Refuses a PATCH body not sent as application/offset+octet-stream (415)."""
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_STREAM:
        raise errors.wrong_content_type()


def parse_metadata(header: str | None) -> dict[str, str]:
    """Parses tus Upload-Metadata: comma-separated `key base64value` pairs."""
    result: dict[str, str] = {}
    for pair in (header or "").split(","):
        parts = pair.strip().split(" ")
        if not parts[0]:
            continue
        if len(parts) > 2 or not re.fullmatch(r"[!-+\--~]+", parts[0]):
            raise errors.bad_upload_request(msg("Upload-Metadata is malformed"))
        try:
            value = base64.b64decode(parts[1], validate=True).decode() if len(parts) == 2 else ""
        except (ValueError, UnicodeDecodeError):
            raise errors.bad_upload_request(msg("Upload-Metadata is not valid base64")) from None
        result[parts[0]] = value
    return result


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    """Parses Upload-Checksum (`algorithm base64digest`), or None when absent."""
    if not header:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise errors.bad_upload_request(
            msg("Checksum algorithm {algorithm!r} is not supported", algorithm=algorithm)
        )
    try:
        return algorithm, base64.b64decode(value, validate=True)
    except ValueError:
        raise errors.bad_upload_request(msg("Upload-Checksum is not valid base64")) from None


async def body(request: Request) -> AsyncIterator[bytes]:
    """The request body; a client that disconnects just ends it (tus resumes from there)."""
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        return
