"""Playlists and segments on the leanest path that still checks every token (S2–S5, S7).

A plain ASGI middleware in front of the FastAPI app answers `GET /hls/<token>/<video>/<file>`
for the files the pipeline writes: no routing, no dependency injection, no per-request
objects beyond the response. It verifies the signed token first, then the file name
against an allow-list, then sends the file (or, behind nginx, an X-Accel-Redirect).
Key requests (`/key`, `/key/<n>`) and anything else go on to the app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from coursevault import metrics
from coursevault.captions import hls as captions_hls
from coursevault.captions import service as captions
from coursevault.config import Settings
from coursevault.db import Database
from coursevault.errors import (
    DATABASE_DOWN,
    app_error_response,
    database_down_response,
    not_found,
)
from coursevault.ffmpeg.command import MASTER_PLAYLIST
from coursevault.forensic import service as forensic
from coursevault.forensic import variants
from coursevault.media import service as media
from coursevault.media.models import Video
from coursevault.media.storage import storage
from coursevault.streaming import errors, signing
from coursevault.streaming import repo as sessions_repo

# Only names the pipeline writes; everything else (raw uploads, key files, dot files)
# is 404 whatever its encoding (S5, S7).
FILES = re.compile(
    r"(master|[0-9]{2,4}p)\.m3u8|[0-9]{2,4}p(_[ab])?_[0-9]{5}\.ts|storyboard\.(jpg|vtt)"
)
VARIANT_PLAYLIST = re.compile(r"([0-9]{2,4}p)\.m3u8")
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


async def media_response(
    settings: Settings, db: Database, scope: Scope, token: str, video_id: str, name: str
) -> Response:
    """The answer to one playlist, segment, storyboard or caption request."""
    try:
        grant = signing.verify(settings, token, video_id=video_id)  # first, always (S2)
    except signing.InvalidMediaToken:
        return app_error_response(errors.invalid_media_token())
    caption = captions_hls.FILE.fullmatch(name)
    if not FILES.fullmatch(name) and caption is None:
        return app_error_response(not_found())
    max_age = max(0, min(grant.expires - int(time.time()), 3600))
    headers = {
        "Cache-Control": f"private, max-age={max_age}",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
        **cors_headers(_origin(scope), settings),
    }
    media_type = TYPES[name[name.rindex(".") :]]
    # One look at the video (cached) for everything below: generation, mark, duration.
    store = storage(settings)
    video = await media.published_video(
        db=db,
        video_id=video_id,
        max_age=GENERATION_CACHE_SECONDS,
        generations=store.uses_generations,
    )
    if video is None:
        return app_error_response(not_found())
    if caption is not None:
        text = await captions.hls_file(
            db=db, video=video, language=caption.group(1), kind=caption.group(2)
        )
        return (
            app_error_response(not_found())
            if text is None
            else Response(text, 200, headers, media_type)
        )
    generation = video.generation if store.uses_generations else None
    if video.forensic is not None:
        marked = await _forensic_answer(settings, db, grant, video, generation, name, headers)
        if marked is not None:
            return marked
    if name == MASTER_PLAYLIST:
        tracks = await captions.languages(
            db=db, video_id=video_id, max_age=captions.DELIVERY_CACHE_SECONDS
        )
        if tracks:
            master = await store.read_published(video_id, generation, name)
            if master is None:
                return app_error_response(not_found())
            body = captions.master_with_captions(master, tracks)
            return Response(body, 200, headers, media_type)
    found = await store.media_response(video_id, generation, name, media_type, headers)
    if found is None:
        return app_error_response(not_found())
    sent = found.headers.get("content-length")
    if media_type == TYPES[".ts"] and sent and found.status_code == 200:
        metrics.SEGMENT_BYTES.labels("app").inc(int(sent))
    return found


async def _forensic_answer(
    settings: Settings,
    db: Database,
    grant: signing.MediaGrant,
    video: Video,
    generation: str | None,
    name: str,
    headers: dict[str, str],
) -> Response | None:
    """A watermarked video's per-session variant playlist, or the refusal of a segment
    variant the session's codeword does not name; None: answer as usual."""
    playlist = VARIANT_PLAYLIST.fullmatch(name)
    segment = variants.SEGMENT.fullmatch(name)
    if playlist is None and segment is None:
        return None
    session = await sessions_repo.get_session(
        db=db, session_id=grant.session_id, max_age=SESSION_CACHE_SECONDS
    )
    number = (session.forensic_number if session else None) or 0
    if segment is not None:
        variant, index = segment.group(2), int(segment.group(3))
        allowed = forensic.may_fetch(settings, video.id, number, variant, index)
        return None if allowed else app_error_response(not_found())
    assert playlist is not None
    body = await forensic.session_playlist(
        settings=settings,
        video_id=video.id,
        generation=generation,
        rendition=playlist.group(1),
        number=number,
    )
    if body is None:
        return app_error_response(not_found())
    return Response(body, 200, headers, TYPES[".m3u8"])


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
                    shown = f"{self.prefix}<token>/{parts[1]}/{parts[2]}"  # no token in logs
                    response = database_down_response(scope["method"], shown, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
