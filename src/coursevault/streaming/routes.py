"""HLS delivery: /hls/<token>/<video>/<file>. Playlists and segments need only a valid
token, so nginx or a CDN could check them without the database (S2–S5, S7)."""

from __future__ import annotations

import re
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from coursevault import urls
from coursevault.auth.deps import CurrentUser, RecentSession
from coursevault.config import Settings
from coursevault.courses.deps import OwnedCourse
from coursevault.deps import AppSettings, ClientIp, Db
from coursevault.errors import ERROR_RESPONSES, not_found
from coursevault.media.storage import storage
from coursevault.streaming import errors, keys, limits, service, signing
from coursevault.streaming.models import (
    HeartbeatRead,
    HeartbeatUpdate,
    PlaybackSessionPage,
    PlaybackStart,
    PlaybackStartIn,
    PlayGrantCreate,
    PlayGrantRead,
)

router = APIRouter(prefix=urls.HLS_PREFIX, tags=["delivery"], include_in_schema=False)

# Only names the pipeline writes; everything else (raw uploads, key files, dot files)
# is 404 whatever its encoding (S5, S7).
_FILES = re.compile(r"(master|[0-9]{2,4}p)\.m3u8|[0-9]{2,4}p_[0-9]{5}\.ts")
_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


def cors_headers(request: Request, settings: Settings) -> dict[str, str]:
    """CORS for configured origins only, echoed, never a wildcard (K2)."""
    origin = request.headers.get("origin")
    if origin is None or origin not in settings.media_cors_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


async def media_grant(token: str, video_id: str, settings: AppSettings) -> signing.MediaGrant:
    """Checks the signed token first on every media request (S2), before anything else."""
    try:
        return signing.verify(settings, token, video_id=video_id)
    except signing.InvalidMediaToken:
        raise errors.invalid_media_token() from None


Grant = Annotated[signing.MediaGrant, Depends(media_grant)]


async def _key_answer(
    *,
    grant: signing.MediaGrant,
    period: int,
    session: RecentSession,
    request: Request,
    db: Db,
    settings: AppSettings,
    ip: ClientIp,
) -> Response:
    key = await keys.key_for(
        db=db, settings=settings, user=session.user, grant=grant, period=period, ip=ip
    )
    return Response(
        key,
        media_type="application/octet-stream",
        headers={
            "Cache-Control": "no-store, private",
            "X-Content-Type-Options": "nosniff",
            **cors_headers(request, settings),
        },
    )


@router.get("/{token}/{video_id}/key/{period}")
async def period_key(
    grant: Grant,
    period: Annotated[int, Path(ge=0, le=1_000_000)],
    session: RecentSession,
    request: Request,
    db: Db,
    settings: AppSettings,
    ip: ClientIp,
) -> Response:
    """One period's AES-128 key, only for the signed-in owner of a live playback session
    (K1, K2); in session mode wrapped for that session (K6). A fetch renews the lease."""
    return await _key_answer(
        grant=grant,
        period=period,
        session=session,
        request=request,
        db=db,
        settings=settings,
        ip=ip,
    )


@router.get("/{token}/{video_id}/key")
async def single_key(
    grant: Grant,
    session: RecentSession,
    request: Request,
    db: Db,
    settings: AppSettings,
    ip: ClientIp,
) -> Response:
    """The key of a video packaged before key rotation (its only period, 0)."""
    return await _key_answer(
        grant=grant, period=0, session=session, request=request, db=db, settings=settings, ip=ip
    )


@router.get("/{token}/{video_id}/{name}")
async def media_file(
    grant: Grant, video_id: str, name: str, request: Request, settings: AppSettings
) -> Response:
    if not _FILES.fullmatch(name):
        raise not_found()
    path = storage(settings).media_dir(video_id) / name
    if not path.is_file():
        raise not_found()
    max_age = max(0, min(grant.expires - int(time.time()), 3600))
    headers = {
        "Cache-Control": f"private, max-age={max_age}",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
        **cors_headers(request, settings),
    }
    if settings.accel_redirect and path.suffix == ".ts":
        # nginx sends the bytes from its `internal` location; the decision stays here.
        headers["X-Accel-Redirect"] = f"{settings.accel_redirect}{video_id}/{name}"
        return Response(status_code=200, media_type=_TYPES[".ts"], headers=headers)
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=headers)


playback_router = APIRouter(prefix="/api", tags=["playback"], responses=ERROR_RESPONSES)


@playback_router.post("/playback/{session_id}/heartbeat", operation_id="playbackHeartbeat")
async def heartbeat(
    session_id: str, heartbeat_in: HeartbeatUpdate, user: CurrentUser, db: Db, settings: AppSettings
) -> HeartbeatRead:
    until = await service.heartbeat(
        db=db, settings=settings, user=user, session_id=session_id, position=heartbeat_in.position
    )
    return HeartbeatRead(lease_until=until)


@playback_router.delete(
    "/playback/{session_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="endPlayback"
)
async def end_playback(session_id: str, user: CurrentUser, db: Db, ip: ClientIp) -> None:
    if not await service.end(db=db, session_id=session_id, reason="ended", ip=ip, user=user):
        raise not_found()


@playback_router.get("/me/playback", operation_id="myPlayback")
async def my_playback(user: CurrentUser, db: Db) -> PlaybackSessionPage:
    return PlaybackSessionPage(
        items=[service.to_read(d) for d in await service.list_live(db=db, user=user)]
    )


@playback_router.post(
    "/lessons/{lesson_id}/playback",
    status_code=status.HTTP_201_CREATED,
    operation_id="startLessonPlayback",
)
async def start_lesson_playback(
    lesson_id: str,
    user: CurrentUser,
    db: Db,
    settings: AppSettings,
    ip: ClientIp,
    request: Request,
    start_in: PlaybackStartIn | None = None,
) -> PlaybackStart:
    """Starts a playback session: 403 not_enrolled / play_limit, 409 stream_limit /
    video_not_ready."""
    device = (start_in.device if start_in and start_in.device else None) or request.headers.get(
        "user-agent", "unknown device"
    )
    return await service.start_lesson(
        db=db, settings=settings, user=user, lesson_id=lesson_id, device=device, ip=ip
    )


@playback_router.post("/courses/{course_id}/students/{user_id}/plays", operation_id="grantPlays")
async def grant_plays(
    user_id: str, grant_in: PlayGrantCreate, course: OwnedCourse, db: Db
) -> PlayGrantRead:
    """Gives a student extra plays of one lesson (on top of the course's limit)."""
    return await limits.grant_plays(
        db=db,
        course=course,
        user_id=user_id,
        lesson_id=grant_in.lesson_id,
        extra=grant_in.extra_plays,
    )
