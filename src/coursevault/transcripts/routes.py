"""Automatic captions and caption search over HTTP: a video's transcription for the
studio, and searching what was said in a course."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from coursevault.auth.deps import OptionalUser
from coursevault.courses import service as courses
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import AppSettings, Db
from coursevault.media.deps import OwnedVideo
from coursevault.transcripts import search, service
from coursevault.transcripts.models import CaptionSearchPage, TranscriptionRead

router = APIRouter(prefix="/api", tags=["captions"], responses=ERROR_RESPONSES)


@router.get("/videos/{video_id}/transcription", operation_id="getTranscription")
async def get_transcription(video: OwnedVideo, db: Db) -> TranscriptionRead:
    """Where the video's automatic captions are (the studio polls this while they run)."""
    return await service.status(db=db, video_id=video.id)


@router.post(
    "/videos/{video_id}/transcription",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="requestTranscription",
)
async def request_transcription(
    video: OwnedVideo, db: Db, settings: AppSettings
) -> TranscriptionRead:
    """Queues automatic captions for the ready video (again: an automatic track is
    replaced, one the instructor made or approved is kept)."""
    return await service.request(db=db, settings=settings, video=video)


@router.get("/courses/{course_id}/search", operation_id="searchCourse")
async def search_course(
    course_id: str,
    viewer: OptionalUser,
    db: Db,
    settings: AppSettings,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    language: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> CaptionSearchPage:
    """Cues of the course's lessons whose words match Q (every word; the last one may be
    the start of a word), best first: only lessons the caller may open (previews for
    visitors). Start the lesson at `start`; `highlights` are offsets into `text`."""
    course = await courses.visible_course(db=db, ref=course_id, viewer=viewer)
    return await search.search(
        db=db,
        settings=settings,
        course=course,
        viewer=viewer,
        query=q,
        language=language,
        limit=limit,
    )
