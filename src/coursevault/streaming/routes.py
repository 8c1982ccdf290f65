"""HLS delivery: /hls/<token>/<video>/<file>. Playlists and segments need only a valid
token, so nginx or a CDN could check them without the database (S2–S5, S7)."""

from __future__ import annotations

import re
import time

from fastapi import APIRouter
from starlette.responses import FileResponse, Response

from coursevault.deps import AppSettings
from coursevault.errors import AppError
from coursevault.media import service as media
from coursevault.streaming import signing

router = APIRouter(prefix="/hls", tags=["delivery"], include_in_schema=False)

# Only names the pipeline writes; everything else (raw uploads, key files, dot files)
# is 404 whatever its encoding (S5, S7).
_FILES = re.compile(r"(master|[0-9]{2,4}p)\.m3u8|[0-9]{2,4}p_[0-9]{5}\.ts")
_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


def forbidden() -> AppError:
    return AppError(403, "invalid_media_token", "This link is invalid or has expired.")


def not_found() -> AppError:
    return AppError(404, "not_found", "Not found")


@router.get("/{token}/{video_id}/{name}")
async def media_file(token: str, video_id: str, name: str, settings: AppSettings) -> Response:
    try:
        grant = signing.verify(settings, token, video_id=video_id)
    except signing.InvalidMediaToken:
        raise forbidden() from None
    if not _FILES.fullmatch(name):
        raise not_found()
    path = media.storage(settings).media_dir(video_id) / name
    if not path.is_file():
        raise not_found()
    max_age = max(0, min(grant.expires - int(time.time()), 3600))
    headers = {
        "Cache-Control": f"private, max-age={max_age}",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
    }
    if settings.accel_redirect and path.suffix == ".ts":
        # nginx sends the bytes from its `internal` location; the decision stays here.
        headers["X-Accel-Redirect"] = f"{settings.accel_redirect}{video_id}/{name}"
        return Response(status_code=200, media_type=_TYPES[".ts"], headers=headers)
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=headers)
