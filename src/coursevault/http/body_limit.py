"""Request body cap: 413 in the API's error shape, checked while the body streams.

Starlette's own limiter answers plain text when Content-Length is too large, so this
small ASGI middleware keeps the one error shape. Upload routes (tus) are exempt and
enforce their own, much larger, streaming cap.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coursevault import i18n
from coursevault.errors import app_error_response, payload_too_large


class BodyTooLarge(HTTPException):
    """Raised while the body streams. An HTTPException, because FastAPI turns any other
    exception met while reading a body into a 400."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=payload_too_large().message)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                response = app_error_response(payload_too_large(), i18n.of_request(scope))
                await response(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        await self.app(scope, limited_receive, send)
