"""HTTP routes: /api/videos (records) and /api/uploads (tus 1.0.0 resumable uploads)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status
from starlette.requests import ClientDisconnect

from coursevault import urls
from coursevault.auth.deps import Instructor
from coursevault.courses import service as courses
from coursevault.deps import AppSettings, Db
from coursevault.errors import ERROR_RESPONSES
from coursevault.media import errors, service
from coursevault.media.deps import OwnedVideo
from coursevault.media.models import VideoCreate, VideoPage, VideoRead

router = APIRouter(prefix="/api/videos", tags=["videos"], responses=ERROR_RESPONSES)
tus_router = APIRouter(prefix=urls.UPLOADS_PREFIX, tags=["uploads"], responses=ERROR_RESPONSES)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration,checksum"
OFFSET_STREAM = "application/offset+octet-stream"


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createVideo")
async def create_video(video_in: VideoCreate, user: Instructor, db: Db) -> VideoRead:
    return service.to_read(await service.create_video(db=db, owner=user, title=video_in.title))


@router.get("", operation_id="listVideos")
async def list_videos(user: Instructor, db: Db) -> VideoPage:
    return VideoPage(
        items=[service.to_read(v) for v in await service.list_videos(db=db, owner=user)]
    )


@router.get("/{video_id}", operation_id="getVideo")
async def get_video(video: OwnedVideo) -> VideoRead:
    return service.to_read(video)


@router.delete("/{video_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteVideo")
async def delete_video(video: OwnedVideo, db: Db, settings: AppSettings) -> None:
    """Deletes a video no lesson uses (409 video_in_use names the courses that do)."""
    await courses.ensure_video_unused(db=db, video_id=video["_id"])
    await service.delete_video(db=db, settings=settings, video=video)


# --- tus 1.0.0: Core, Creation, Termination, Expiration, Checksum ---


async def _tus_resumable(tus_resumable: Annotated[str | None, Header()] = None) -> None:
    if tus_resumable != TUS_VERSION:
        raise errors.tus_version()


TusRequest = Depends(_tus_resumable)


def _expires(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _tus_headers(response: Response, **headers: str) -> None:
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value


async def _options(settings: AppSettings) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _tus_headers(
        response,
        Tus_Version=TUS_VERSION,
        Tus_Extension=TUS_EXTENSIONS,
        Tus_Max_Size=str(settings.max_upload_bytes),
        Tus_Checksum_Algorithm=",".join(service.CHECKSUMS),
    )
    return response


tus_router.add_api_route("/{video_id}", _options, methods=["OPTIONS"], include_in_schema=False)
tus_router.add_api_route(
    "/{video_id}/{upload_id}", _options, methods=["OPTIONS"], include_in_schema=False
)


def _int_header(value: str | None, name: str) -> int:
    if value is None or not value.isdigit():
        raise errors.bad_upload_request(f"{name} must be a non-negative integer")
    return int(value)


@tus_router.post(
    "/{video_id}", status_code=status.HTTP_201_CREATED, dependencies=[TusRequest],
    operation_id="createUpload",
)  # fmt: skip
async def create_upload(
    video: OwnedVideo,
    response: Response,
    db: Db,
    settings: AppSettings,
    upload_length: Annotated[str | None, Header()] = None,
    upload_defer_length: Annotated[str | None, Header()] = None,
    upload_metadata: Annotated[str | None, Header()] = None,
) -> None:
    if upload_defer_length is not None:
        raise errors.bad_upload_request("Upload-Defer-Length is not supported; send Upload-Length")
    length = _int_header(upload_length, "Upload-Length")
    metadata = service.parse_metadata(upload_metadata)
    updated = await service.start_upload(
        db=db, settings=settings, video=video, length=length, metadata=metadata
    )
    upload = updated["upload"]
    _tus_headers(
        response,
        Location=f"{urls.upload(video['_id'])}/{upload['id']}",
        Upload_Expires=_expires(upload["expires_at"]),
    )


@tus_router.head("/{video_id}/{upload_id}", dependencies=[TusRequest], operation_id="uploadOffset")
async def upload_offset(video: OwnedVideo, upload_id: str) -> Response:
    upload = service.live_upload(video, upload_id)
    response = Response(status_code=status.HTTP_200_OK)
    _tus_headers(
        response,
        Upload_Offset=str(upload["offset"]),
        Upload_Length=str(upload["length"]),
        Upload_Expires=_expires(upload["expires_at"]),
    )
    return response


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body; a client that disconnects just ends it (tus resumes from there)."""
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        return


@tus_router.patch(
    "/{video_id}/{upload_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[TusRequest],
    operation_id="appendUpload",
)  # fmt: skip
async def append_upload(
    video: OwnedVideo,
    upload_id: str,
    request: Request,
    response: Response,
    db: Db,
    settings: AppSettings,
    upload_offset: Annotated[str | None, Header()] = None,
    content_type: Annotated[str | None, Header()] = None,
    content_length: Annotated[str | None, Header()] = None,
    upload_checksum: Annotated[str | None, Header()] = None,
) -> None:
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_STREAM:
        raise errors.wrong_content_type()
    offset = _int_header(upload_offset, "Upload-Offset")
    length = _int_header(content_length, "Content-Length") if content_length else None
    updated = await service.append(
        db=db,
        settings=settings,
        video=video,
        upload_id=upload_id,
        offset=offset,
        content_length=length,
        chunks=_body(request),
        checksum=service.parse_checksum(upload_checksum),
    )
    upload = updated.get("upload")
    headers = {"Upload_Offset": str(upload["offset"] if upload else updated["size"])}
    if upload:
        headers["Upload_Expires"] = _expires(upload["expires_at"])
    _tus_headers(response, **headers)


@tus_router.delete(
    "/{video_id}/{upload_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[TusRequest],
    operation_id="terminateUpload",
)  # fmt: skip
async def terminate_upload(
    video: OwnedVideo, upload_id: str, response: Response, db: Db, settings: AppSettings
) -> None:
    await service.terminate_upload(db=db, settings=settings, video=video, upload_id=upload_id)
    _tus_headers(response)
