"""Playlists and segments on the leanest path that still checks every token (S2–S5, S7).

A plain ASGI middleware in front of the FastAPI app answers `GET /hls/<token>/<video>/<file>`
for the files the pipeline writes: no routing, no dependency injection; per request one
small record the answers share, and the response. It verifies the signed token first, then
the file name against the patterns of `ANSWERS` (the allow-list), then lets the first
matching entry answer: the file (or, behind nginx, an X-Accel-Redirect), or what a feature
makes of it. Key requests (`/key`, `/key/<n>`) and anything else go on to the app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from coursevault import metrics
from coursevault.captions import delivery as captions_delivery
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.errors import DATABASE_DOWN, app_error_response, database_down_response, not_found
from coursevault.forensic import delivery as forensic_delivery
from coursevault.media import service as media
from coursevault.media.models import Video, VideoStatus
from coursevault.media.storage import Store
from coursevault.media.stores import storage
from coursevault.streaming import errors, signing
from coursevault.streaming import repo as sessions_repo

SESSION_CACHE_SECONDS = 60.0  # a session's forensic number never changes
TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
}


def cors_headers(origin: str | None, settings: Settings) -> dict[str, str]:
    """CORS for configured origins only, echoed, never a wildcard (K2)."""
    if origin is None or origin not in settings.media_cors_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def _origin(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"origin":
            return str(value, "latin-1")
    return None


# How long delivery may reuse which output generation a video has (object storage only):
# a re-packaged video's new output reaches viewers within this.
GENERATION_CACHE_SECONDS = 5.0

DatabaseOf = Callable[[], Database]


@dataclass(slots=True)
class MediaRequest:
    """One media request as every answer sees it, made once the name matched an entry.
    Features read it through their own protocols (`captions.delivery.CaptionRequest`,
    `forensic.delivery.MarkedRequest`)."""

    settings: Settings
    db: Database
    session_id: str
    video: Video
    store: Store
    generation: str | None  # the published output viewers get (object storage only)
    headers: dict[str, str]
    media_type: str

    async def forensic_number(self) -> int:
        """The session's playback number (0: none), read with the session (cached)."""
        session = await sessions_repo.get_session(
            db=self.db, session_id=self.session_id, max_age=SESSION_CACHE_SECONDS
        )
        return (session.forensic_number if session else None) or 0


# An answer to a name its entry's pattern matched; None passes the request on to the next
# entry whose pattern matches.
type Answer = Callable[[MediaRequest, re.Match[str]], Awaitable[Response | None]]
# A feature's rewrite of the master playlist: the function that rewrites its bytes, or
# None when it has nothing to add for this video.
type MasterRewrite = Callable[[MediaRequest], Awaitable[Callable[[bytes], bytes] | None]]


async def media_response(
    settings: Settings, db: Database, scope: Scope, token: str, video_id: str, name: str
) -> Response:
    """The answer to one playlist, segment, storyboard or caption request: the first entry
    of ANSWERS whose pattern matches NAME, or the next matching one if it passes."""
    try:
        grant = signing.verify(settings, token, video_id=video_id)  # first, always (S2)
    except signing.InvalidMediaToken:
        return app_error_response(errors.invalid_media_token())
    request: MediaRequest | None = None
    for pattern, answer in ANSWERS:
        found = pattern.fullmatch(name)
        if found is None:
            continue
        if request is None:  # the first match: only now look at the video
            request = await _request(settings, db, scope, grant, name)
            if request is None:
                return app_error_response(not_found())
        answered = await answer(request, found)
        if answered is not None:
            return answered
    # No entry matched: only names the pipeline writes are answered; everything else (raw
    # uploads, key files, dot files) is 404 whatever its encoding (S5, S7).
    return app_error_response(not_found())


def _headers(settings: Settings, scope: Scope, grant: signing.MediaGrant) -> dict[str, str]:
    """Every answer's headers: cached privately while the token is valid, at most an hour."""
    max_age = max(0, min(grant.expires - int(time.time()), 3600))
    return {
        "Cache-Control": f"private, max-age={max_age}",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
        **cors_headers(_origin(scope), settings),
    }


async def _request(
    settings: Settings, db: Database, scope: Scope, grant: signing.MediaGrant, name: str
) -> MediaRequest | None:
    """NAME's request after one look at the video (cached) for every answer: generation,
    mark, duration; None if there is no such video."""
    headers = _headers(settings, scope, grant)
    media_type = TYPES[name[name.rindex(".") :]]
    store = storage(settings)
    video = await media.published_video(
        db=db,
        video_id=grant.video_id,
        max_age=GENERATION_CACHE_SECONDS,
        generations=store.uses_generations,
    )
    if video is None:
        return None
    if media_type == TYPES[".m3u8"] and video.status is not VideoStatus.ready:
        # An early rendition's playlists change (first play): players and caches must
        # ask again each time (hls.js reloads a live playlist by the same URL).
        headers["Cache-Control"] = "no-cache"
    generation = video.generation if store.uses_generations else None
    # Positional: a class called with keywords builds a dict of them first.
    return MediaRequest(
        settings, db, grant.session_id, video, store, generation, headers, media_type
    )


async def _file(request: MediaRequest, found: re.Match[str]) -> Response:
    """A published file as the store sends it: the file, a redirect or an X-Accel-Redirect."""
    sent = await request.store.media_response(
        request.video.id, request.generation, found.string, request.media_type, request.headers
    )
    return app_error_response(not_found()) if sent is None else sent


async def _segment(request: MediaRequest, found: re.Match[str]) -> Response:
    """A segment as `_file` sends it, counting the bytes the app sends itself."""
    sent = await _file(request, found)
    length = sent.headers.get("content-length")
    if length and sent.status_code == 200:
        metrics.SEGMENT_BYTES.labels("app").inc(int(length))
    return sent


async def _master(request: MediaRequest, found: re.Match[str]) -> Response:
    """The master playlist: sent as it is, or rewritten by every MASTER_REWRITES hook that
    has something to add for this video."""
    rewrites = [rewrite for hook in MASTER_REWRITES if (rewrite := await hook(request)) is not None]
    if not rewrites:
        return await _file(request, found)
    master = await request.store.read_published(request.video.id, request.generation, found.string)
    if master is None:
        return app_error_response(not_found())
    for rewrite in rewrites:
        master = rewrite(master)
    return Response(master, 200, request.headers, request.media_type)


# Features that add lines to the master playlist (the captions' subtitle renditions).
MASTER_REWRITES: tuple[MasterRewrite, ...] = (captions_delivery.master_subtitles,)

# (name pattern, answer), tried in this order: most frequent first (a viewer fetches a
# segment every few seconds, a playlist once); a feature's entry sits before the plain
# answer it narrows. The patterns are the allow-list: every other name is 404 (S5, S7).
ANSWERS: tuple[tuple[re.Pattern[str], Answer], ...] = (
    forensic_delivery.SEGMENT,  # refuses a variant the session's codeword does not name
    (re.compile(r"[0-9]{2,4}p(_[ab])?_[0-9]{5}\.ts"), _segment),
    forensic_delivery.PLAYLIST,  # a watermarked video's playlist, rendered per session
    (re.compile(r"[0-9]{2,4}p\.m3u8"), _file),
    (re.compile(r"master\.m3u8"), _master),
    captions_delivery.FILE,
    (re.compile(r"storyboard\.(jpg|vtt)"), _file),
)


class HlsDelivery:
    def __init__(
        self, app: ASGIApp, *, settings: Settings, prefix: str, database: DatabaseOf
    ) -> None:
        self.app = app
        self.settings = settings
        self.prefix = prefix + "/"
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            parts = scope["path"][len(self.prefix) :].split("/")
            if len(parts) == 3 and parts[2] != "key" and scope["method"] in ("GET", "HEAD"):
                # This path runs before FastAPI's exception handlers: a database that does
                # not answer must still be the API's 503, not a 500 with a traceback (D2).
                try:
                    response = await media_response(self.settings, self.database(), scope, *parts)
                except DATABASE_DOWN as exc:
                    response = database_down_response(scope, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
