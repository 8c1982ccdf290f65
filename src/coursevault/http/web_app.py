"""The built web app (web/dist): its assets, and index.html for every client-side route.

The fallback never answers under /api, /hls or the health and schema URLs, so a typo in
an API path is a JSON 404, not a page.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coursevault import i18n
from coursevault.config import Settings
from coursevault.errors import app_error_response, method_not_allowed, not_found

RESERVED = ("api/", "hls/", "healthz", "metrics", "openapi.json", "verify/", "covers/")
# The web app's own routes (web/src/App.tsx); other paths are 404 (the page for browsers).
CLIENT_ROUTES = re.compile(
    r"(|signin|signup|verify-email|forgot-password|reset-password|account|my|admin|studio"
    r"|studio/courses/[^/]+|studio/courses/[^/]+/videos/[^/]+/captions/[^/]+"
    r"|studio/quizzes/[^/]+/results|courses/[^/]+|checkout/[^/]+|learn/[^/]+/[^/]+"
    r"|bundles/[^/]+|gifts/claim|seats/claim|teams/[^/]+|my/gifts|my/teams"
    r"|pricing|account/memberships|memberships/[^/]+/checkout|studio/plans)/?"
)

_MISSING = """<!doctype html><meta charset="utf-8"><title>CourseVault</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto">
<h1>CourseVault is running</h1>
<p>The web app has not been built. Run <code>make run</code> (it builds <code>web/</code>),
or use the API at <a href="/api/docs">/api/docs</a>.</p>"""


def default_dist() -> Path:
    return Path(__file__).resolve().parents[3] / "web" / "dist"


def page_headers(settings: Settings) -> dict[str, str]:
    """Headers for the app's pages: a strict CSP (Stripe.js is the only outside script),
    no framing (clickjacking), and no Referer leaking the signed media paths."""
    stripe = urlsplit(settings.stripe_js_url)
    script = f"{stripe.scheme}://{stripe.netloc}" if stripe.netloc else ""
    # Stripe.js talks to its API and frames 3-D Secure from hooks (Stripe's CSP guide).
    official = stripe.netloc == "js.stripe.com"
    connect = " ".join(filter(None, [script, "https://api.stripe.com" if official else ""]))
    frames = " ".join(filter(None, [script, "https://hooks.stripe.com" if official else ""]))
    csp = "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {script}".strip(),
            f"frame-src {frames or chr(39) + 'none' + chr(39)}",
            f"connect-src 'self' {connect}".strip(),
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "worker-src 'self' blob:",
            "style-src 'self' 'unsafe-inline'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
    }


class PageHeaders:
    """Gives every answer under PREFIXES the headers of `page_headers` it does not set
    itself (a cover keeps its own Cache-Control): covers and certificate pages are opened
    directly from our origin, so they need nosniff and no framing as much as the app's
    pages do (U9)."""

    def __init__(self, app: ASGIApp, *, headers: dict[str, str], prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


ANY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _methods_elsewhere(app: FastAPI, request: Request) -> set[str]:
    """The methods other routes serve at REQUEST's path (none: no route knows the path)."""
    others = [r for r in app.router.routes if getattr(r, "path", None) != "/{path:path}"]
    return {
        method
        for method in ANY_METHOD
        for route in others
        if route.matches({**request.scope, "method": method})[0] is Match.FULL
    }


def install(app: FastAPI, dist: Path, settings: Settings) -> None:
    """Serves DIST's assets with long caching and index.html for client routes."""
    headers = page_headers(settings)
    if (dist / "assets").is_dir():
        # Vite names assets by content hash, so they can be cached for good.
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    index = dist / "index.html"
    top_files = {p.name: p for p in dist.iterdir() if p.is_file()} if dist.is_dir() else {}

    # Every method: a POST to a path no route knows is 404, as for GET; a path some other
    # route serves with another method is 405, with what it allows.
    @app.api_route("/{path:path}", methods=list(ANY_METHOD), include_in_schema=False)
    async def client_route(path: str, request: Request) -> Response:
        language = i18n.of_request(request.scope)
        if request.method not in ("GET", "HEAD"):
            allowed = _methods_elsewhere(app, request)
            refusal = method_not_allowed(allowed) if allowed else not_found()
            return app_error_response(refusal, language)
        if path in top_files:  # the build's own top-level files (favicon.svg), by name
            return FileResponse(top_files[path])
        known = CLIENT_ROUTES.fullmatch(path) is not None
        wants_page = "text/html" in request.headers.get("accept", "")
        if path.startswith(RESERVED) or not (known or wants_page):
            return app_error_response(not_found(), language)
        status = 200 if known else 404
        if not index.is_file():
            return HTMLResponse(_MISSING, status_code=status, headers=headers)
        return FileResponse(index, status_code=status, headers=headers)
