"""HLS keys (/hls/<token>/<video>/key[/<n>]) and the playback API. Playlists and segments
need only a valid token and are answered before FastAPI by streaming/delivery.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from starlette.requests import Request
from starlette.responses import Response

from coursevault.auth.deps import CurrentUser, RecentSession
from coursevault.courses.deps import OwnedCourse
from coursevault.errors import ERROR_RESPONSES, not_found
from coursevault.http import urls
from coursevault.http.deps import AppSettings, ClientIp, Db
from coursevault.streaming import errors, key_endpoint, limits, service, signing
from coursevault.streaming.delivery import cors_headers
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
    key = await key_endpoint.key_for(
        db=db, settings=settings, user=session.user, grant=grant, period=period, ip=ip
    )
    return Response(
        key,
        media_type="application/octet-stream",
        headers={
            "Cache-Control": "no-store, private",
            "X-Content-Type-Options": "nosniff",
            **cors_headers(request.headers.get("origin"), settings),
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
