"""HTTP routes: /api/videos (records) and /api/uploads (tus 1.0.0 resumable uploads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status

from coursevault.auth.deps import Instructor
from coursevault.courses import service as courses
from coursevault.errors import ERROR_RESPONSES
from coursevault.http import urls
from coursevault.http.deps import AppSettings, Db
from coursevault.i18n import msg
from coursevault.media import errors, service, tus, uploads
from coursevault.media.deps import OwnedVideo
from coursevault.media.models import VideoCreate, VideoPage, VideoRead

router = APIRouter(prefix="/api/videos", tags=["videos"], responses=ERROR_RESPONSES)
tus_router = APIRouter(prefix=urls.UPLOADS_PREFIX, tags=["uploads"], responses=ERROR_RESPONSES)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration,checksum"
OFFSET_STREAM = "application/offset+octet-stream"


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createVideo")
async def create_video(
    video_in: VideoCreate, user: Instructor, db: Db, settings: AppSettings
) -> VideoRead:
    service.require_free_disk(settings)
    video = await service.create_video(
        db=db, owner=user, title=video_in.title, forensic=video_in.forensic
    )
    return service.to_read(video)


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
    # Composed above media: courses checks the lessons and hands media captions' cleanup.
    await courses.delete_video(db=db, settings=settings, video=video)


# --- tus 1.0.0: Core, Creation, Termination, Expiration, Checksum (headers in media/tus.py) ---

TusRequest = Depends(tus.require_tus_version)

tus_router.add_api_route("/{video_id}", tus.options, methods=["OPTIONS"], include_in_schema=False)
tus_router.add_api_route(
    "/{video_id}/{upload_id}", tus.options, methods=["OPTIONS"], include_in_schema=False
)


@tus_router.post(
    "/{video_id}",
    status_code=status.HTTP_201_CREATED,
    dependencies=[TusRequest],
    operation_id="createUpload",
)
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
        raise errors.bad_upload_request(
            msg("Upload-Defer-Length is not supported; send Upload-Length")
        )
    length = tus.int_header(upload_length, "Upload-Length")
    metadata = tus.parse_metadata(upload_metadata)
    updated = await uploads.start_upload(
        db=db, settings=settings, video=video, length=length, metadata=metadata
    )
    upload = updated.upload
    assert upload is not None
    tus.set_headers(
        response,
        Location=f"{urls.upload(video.id)}/{upload.id}",
        Upload_Expires=tus.expires(upload.expires_at),
    )


@tus_router.head("/{video_id}/{upload_id}", dependencies=[TusRequest], operation_id="uploadOffset")
async def upload_offset(
    video: OwnedVideo, upload_id: str, db: Db, settings: AppSettings
) -> Response:
    upload = await uploads.resume_point(db=db, settings=settings, video=video, upload_id=upload_id)
    response = Response(status_code=status.HTTP_200_OK)
    tus.set_headers(
        response,
        Upload_Offset=str(upload.offset),
        Upload_Length=str(upload.length),
        Upload_Expires=tus.expires(upload.expires_at),
    )
    return response


@tus_router.patch(
    "/{video_id}/{upload_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[TusRequest],
    operation_id="appendUpload",
)
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
    tus.check_content_type(content_type)
    offset = tus.int_header(upload_offset, "Upload-Offset")
    length = tus.int_header(content_length, "Content-Length") if content_length else None
    updated = await uploads.append(
        db=db,
        settings=settings,
        video=video,
        upload_id=upload_id,
        offset=offset,
        content_length=length,
        chunks=tus.body(request),
        checksum=tus.parse_checksum(upload_checksum),
    )
    upload = updated.upload
    headers = {"Upload_Offset": str(upload.offset if upload else updated.size)}
    if upload:
        headers["Upload_Expires"] = tus.expires(upload.expires_at)
    tus.set_headers(response, **headers)


@tus_router.delete(
    "/{video_id}/{upload_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[TusRequest],
    operation_id="terminateUpload",
)
async def terminate_upload(
    video: OwnedVideo, upload_id: str, response: Response, db: Db, settings: AppSettings
) -> None:
    await uploads.terminate_upload(db=db, settings=settings, video=video, upload_id=upload_id)
    tus.set_headers(response)
