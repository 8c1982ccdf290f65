"""Caption tracks over HTTP: the instructor's per-video files (the viewer's transcript is a
lesson route, in courses/routes.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from coursevault.captions import errors, parse, service
from coursevault.captions.models import (
    CaptionCuesUpdate,
    CaptionTrackDetail,
    CaptionTrackPage,
    CaptionTrackRead,
    Label,
)
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.bodies import read_capped
from coursevault.http.deps import Db
from coursevault.media.deps import OwnedVideo

router = APIRouter(prefix="/api", tags=["captions"], responses=ERROR_RESPONSES)


@router.put("/videos/{video_id}/captions/{language}", operation_id="uploadCaptions")
async def upload_captions(
    language: str,
    request: Request,
    video: OwnedVideo,
    db: Db,
    label: Annotated[Label | None, Query()] = None,
) -> CaptionTrackRead:
    """Sets the video's captions in LANGUAGE from the raw SubRip or WebVTT file in the body
    (UTF-8, ≤ 512 KiB); LABEL is what the player's caption menu shows."""
    data = await read_capped(request, parse.MAX_BYTES, errors.captions_too_large)
    track = await service.upload(db=db, video=video, language=language, label=label, data=data)
    return service.to_read(track)


@router.get("/videos/{video_id}/captions", operation_id="listCaptions")
async def list_captions(video: OwnedVideo, db: Db) -> CaptionTrackPage:
    return CaptionTrackPage(items=await service.list_tracks(db=db, video_id=video.id))


@router.get("/videos/{video_id}/captions/{language}", operation_id="getCaptions")
async def get_captions(language: str, video: OwnedVideo, db: Db) -> CaptionTrackDetail:
    """The track in LANGUAGE with its cues (plain text, seconds), for the caption editor."""
    return await service.detail(db=db, video=video, language=language)


@router.put("/videos/{video_id}/captions/{language}/cues", operation_id="saveCaptionCues")
async def save_caption_cues(
    language: str, cues_in: CaptionCuesUpdate, video: OwnedVideo, db: Db
) -> CaptionTrackRead:
    """Replaces the track's cues with the edited ones (the rules of an uploaded file apply:
    `422 invalid_captions` names the cue in `detail.cue`); an automatic track becomes the
    instructor's."""
    track = await service.save_cues(db=db, video=video, language=language, cues_in=cues_in)
    return service.to_read(track)


@router.post("/videos/{video_id}/captions/{language}/approve", operation_id="approveCaptions")
async def approve_captions(language: str, video: OwnedVideo, db: Db) -> CaptionTrackRead:
    """Marks an automatic track as checked: it is no longer shown as automatic."""
    return service.to_read(await service.approve(db=db, video=video, language=language))


@router.delete(
    "/videos/{video_id}/captions/{language}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteCaptions",
)
async def delete_captions(language: str, video: OwnedVideo, db: Db) -> None:
    await service.remove(db=db, video=video, language=language)
