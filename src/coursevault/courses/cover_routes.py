"""Course covers over HTTP: the instructor's upload (a raw image body, capped here) and
the public images (an uploaded cover, cached for good: its name is its content hash; or
the poster of the course's first video)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from coursevault.auth.deps import CurrentUser
from coursevault.courses import covers, errors, service
from coursevault.courses.deps import OwnedCourse
from coursevault.courses.models import CourseRead
from coursevault.errors import ERROR_RESPONSES, not_found
from coursevault.http.bodies import read_capped
from coursevault.http.deps import AppSettings, Db
from coursevault.http.urls import COVERS_PREFIX
from coursevault.media import service as media
from coursevault.media.storage import checked_cover

router = APIRouter(prefix="/api", tags=["courses"], responses=ERROR_RESPONSES)
public_router = APIRouter(prefix=COVERS_PREFIX, include_in_schema=False)

FOREVER = {"Cache-Control": "public, max-age=31536000, immutable"}
A_WHILE = {"Cache-Control": "public, max-age=300"}


@router.put("/covers/{course_id}", operation_id="uploadCourseCover")
async def upload_cover(
    request: Request, course: OwnedCourse, user: CurrentUser, db: Db, settings: AppSettings
) -> CourseRead:
    """Sets the course's cover from the raw image in the body (JPEG, PNG or WebP, ≤ 8 MiB)."""
    data = await read_capped(request, covers.MAX_BYTES, errors.image_too_large)
    updated = await service.set_cover(db=db, settings=settings, course=course, data=data)
    return await service.to_read(db=db, course=updated, viewer=user)


@public_router.get("/course/{course_id}.jpg")
async def default_cover(course_id: str, db: Db, settings: AppSettings) -> object:
    course = await service.find_course(db=db, ref=course_id)
    public = course is not None and await service.may_see(db=db, course=course, viewer=None)
    video_id = service.first_video(course) if course and public else None
    found = (
        await media.poster_response(db=db, settings=settings, video_id=video_id, headers=A_WHILE)
        if video_id
        else None
    )
    if found is None:
        raise not_found()
    return found


@public_router.get("/{name}")
async def uploaded_cover(name: str, settings: AppSettings) -> object:
    try:
        checked_cover(name)
    except ValueError:
        raise not_found() from None
    found = await media.cover_response(settings=settings, name=name, headers=FOREVER)
    if found is None:
        raise not_found()
    return found
