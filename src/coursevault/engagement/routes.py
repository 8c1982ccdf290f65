"""A lesson's engagement over HTTP, for its course's instructor (and admins)."""

from __future__ import annotations

from fastapi import APIRouter

from coursevault.auth.deps import CurrentUser
from coursevault.courses import errors as course_errors
from coursevault.courses import service as courses
from coursevault.courses.deps import VisibleLesson
from coursevault.deps import Db
from coursevault.engagement import service
from coursevault.engagement.models import LessonEngagement
from coursevault.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api", tags=["engagement"], responses=ERROR_RESPONSES)


@router.get("/lessons/{lesson_id}/engagement", operation_id="lessonEngagement")
async def lesson_engagement(ref: VisibleLesson, user: CurrentUser, db: Db) -> LessonEngagement:
    """Retention (share of views still watching) and replays per 10 s of the lesson's video;
    403 not_course_owner for anyone but the instructor and admins."""
    if not courses.can_edit(user, ref.course):
        raise course_errors.not_course_owner()
    return await service.of_lesson(db=db, lesson_id=ref.lesson_id, duration=ref.video_duration)
