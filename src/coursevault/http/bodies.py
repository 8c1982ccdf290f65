"""Raw request bodies read up to a limit (cover images, caption files): a declared
Content-Length over the limit is refused before a byte is read, and a body that turns
out longer is refused as soon as it passes the limit."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from coursevault.errors import AppError


async def read_capped(request: Request, limit: int, too_large: Callable[[int], AppError]) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise too_large(limit)
    return bytes(data)
