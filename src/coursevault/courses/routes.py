"""HTTP routes for courses, the catalog, outlines, lessons and progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from coursevault.auth.deps import CurrentUser, Instructor, OptionalUser
from coursevault.auth.models import User
from coursevault.captions import errors as caption_errors
from coursevault.captions import service as captions
from coursevault.captions.models import Transcript
from coursevault.courses import access, outline, service
from coursevault.courses.deps import EnrolledLesson, OwnedCourse, VisibleCourse
from coursevault.courses.models import (
    CourseChange,
    CourseCreate,
    CoursePage,
    CourseRead,
    CourseSummary,
    CourseUpdate,
    LessonContent,
    LessonCreate,
    LessonKind,
    LessonUpdate,
    MoveIn,
    MyCoursePage,
    SectionCreate,
    SectionUpdate,
)
from coursevault.database.db import Document
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import Db
from coursevault.progress import service as progress
from coursevault.progress.models import CourseProgress, LessonProgress, ProgressUpdate
from coursevault.quizzes import errors as quiz_errors

router = APIRouter(prefix="/api", tags=["courses"], responses=ERROR_RESPONSES)


async def _read(db: Db, course: Document, viewer: User | None) -> CourseRead:
    return await service.to_read(db=db, course=course, viewer=viewer)


@router.post("/courses", status_code=status.HTTP_201_CREATED, operation_id="createCourse")
async def create_course(course_in: CourseCreate, user: Instructor, db: Db) -> CourseRead:
    course = await service.create_course(db=db, user=user, course_in=course_in)
    return await _read(db, course, user)


@router.get("/courses", operation_id="listCourses")
async def list_courses(
    db: Db,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CoursePage:
    """Published courses only; every word of Q must appear in the title or description."""
    return await service.catalog(db=db, query=q, page=page, per_page=per_page)


@router.get("/me/teaching", operation_id="myTeaching")
async def my_teaching(user: Instructor, db: Db) -> list[CourseSummary]:
    return await service.teaching(db=db, user=user)


@router.get("/me/courses", operation_id="myCourses")
async def my_courses(user: CurrentUser, db: Db) -> MyCoursePage:
    return await service.my_courses(db=db, user=user)


@router.get("/courses/{ref}", operation_id="getCourse")
async def get_course(ref: str, viewer: OptionalUser, db: Db) -> CourseRead:
    """The outline by id or slug; drafts are 404 to everyone but their instructor."""
    course = await service.visible_course(db=db, ref=ref, viewer=viewer)
    return await _read(db, course, viewer)


@router.patch("/courses/{course_id}", operation_id="updateCourse")
async def update_course(
    course_in: CourseUpdate, course: OwnedCourse, user: CurrentUser, db: Db
) -> CourseRead:
    return await _read(
        db, await service.update_course(db=db, course=course, course_in=course_in), user
    )


@router.delete(
    "/courses/{course_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteCourse"
)
async def delete_course(course: OwnedCourse, db: Db) -> None:
    await service.delete_course(db=db, course=course)


@router.post("/courses/{course_id}/publish", operation_id="publishCourse")
async def publish(course: OwnedCourse, user: CurrentUser, db: Db) -> CourseRead:
    return await _read(db, await service.publish(db=db, course=course), user)


@router.post("/courses/{course_id}/unpublish", operation_id="unpublishCourse")
async def unpublish(course: OwnedCourse, user: CurrentUser, db: Db) -> CourseRead:
    return await _read(db, await service.unpublish(db=db, course=course), user)


@router.post(
    "/courses/{course_id}/sections",
    status_code=status.HTTP_201_CREATED,
    operation_id="addSection",
)
async def add_section(
    section_in: SectionCreate, course: OwnedCourse, user: CurrentUser, db: Db
) -> CourseChange:
    updated, section_id = await outline.add_section(
        db=db, course=course, title=section_in.title, release=section_in.release
    )
    return CourseChange(id=section_id, course=await _read(db, updated, user))


@router.patch("/courses/{course_id}/sections/{section_id}", operation_id="updateSection")
async def update_section(
    section_id: str, section_in: SectionUpdate, course: OwnedCourse, user: CurrentUser, db: Db
) -> CourseRead:
    updated = await outline.update_section(
        db=db, course=course, section_id=section_id, section_in=section_in
    )
    return await _read(db, updated, user)


@router.delete("/courses/{course_id}/sections/{section_id}", operation_id="deleteSection")
async def delete_section(
    section_id: str, course: OwnedCourse, user: CurrentUser, db: Db
) -> CourseRead:
    updated = await outline.delete_section(db=db, course=course, section_id=section_id)
    return await _read(db, updated, user)


@router.post(
    "/courses/{course_id}/sections/{section_id}/lessons",
    status_code=status.HTTP_201_CREATED,
    operation_id="addLesson",
)
async def add_lesson(
    section_id: str, lesson_in: LessonCreate, course: OwnedCourse, user: CurrentUser, db: Db
) -> CourseChange:
    updated, lesson_id = await outline.add_lesson(
        db=db, course=course, section_id=section_id, lesson_in=lesson_in
    )
    return CourseChange(id=lesson_id, course=await _read(db, updated, user))


@router.patch(
    "/courses/{course_id}/sections/{section_id}/lessons/{lesson_id}", operation_id="updateLesson"
)
async def update_lesson(
    lesson_id: str, lesson_in: LessonUpdate, course: OwnedCourse, user: CurrentUser, db: Db
) -> CourseRead:
    updated = await outline.update_lesson(
        db=db, course=course, lesson_id=lesson_id, lesson_in=lesson_in
    )
    return await _read(db, updated, user)


@router.delete(
    "/courses/{course_id}/sections/{section_id}/lessons/{lesson_id}", operation_id="deleteLesson"
)
async def delete_lesson(
    lesson_id: str, course: OwnedCourse, user: CurrentUser, db: Db
) -> CourseRead:
    return await _read(
        db, await outline.delete_lesson(db=db, course=course, lesson_id=lesson_id), user
    )


@router.post("/courses/{course_id}/move", operation_id="moveInCourse")
async def move(move_in: MoveIn, course: OwnedCourse, user: CurrentUser, db: Db) -> CourseRead:
    return await _read(db, await outline.move(db=db, course=course, move_in=move_in), user)


@router.get("/courses/{course_id}/progress", operation_id="courseProgress")
async def course_progress(course: VisibleCourse, user: CurrentUser, db: Db) -> CourseProgress:
    return await progress.course_progress(
        db=db,
        user_id=user.id,
        course_id=course["_id"],
        lesson_ids=service.counted_lessons(course),
    )


@router.get("/lessons/{lesson_id}", operation_id="getLesson")
async def get_lesson(ref: EnrolledLesson, user: CurrentUser, db: Db) -> LessonContent:
    """A lesson's content for someone allowed to open it (403 not_enrolled otherwise)."""
    return await access.lesson_content(db=db, user=user, ref=ref)


@router.get(
    "/lessons/{lesson_id}/transcript/{language}", operation_id="lessonTranscript", tags=["captions"]
)
async def lesson_transcript(language: str, ref: EnrolledLesson, db: Db) -> Transcript:
    """The cues of the lesson's captions in LANGUAGE, for the transcript panel."""
    video_id = ref.lesson.get("video_id")
    if not video_id:
        raise caption_errors.captions_not_found()
    return await captions.transcript(db=db, video_id=video_id, language=language)


@router.put("/lessons/{lesson_id}/progress", operation_id="saveProgress")
async def save_progress(
    progress_in: ProgressUpdate, ref: EnrolledLesson, user: CurrentUser, db: Db
) -> LessonProgress:
    if progress_in.completed and ref.lesson["kind"] == LessonKind.quiz:
        raise quiz_errors.completion_needs_passing()  # Q4: only a passed attempt does
    return await progress.record(
        db=db,
        user_id=user.id,
        course_id=ref.course_id,
        lesson_id=ref.lesson_id,
        position=progress_in.position,
        video_duration=ref.video_duration,
        completed=progress_in.completed,
        video=ref.lesson["kind"] == LessonKind.video,  # a video still processing too (L1)
    )


@router.post(
    "/courses/{course_id}/students/{user_id}/unlock",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="unlockCourseForStudent",
)
async def unlock_for_student(user_id: str, course: OwnedCourse, db: Db) -> None:
    """Opens every lesson of the course for one enrolled student now (drip release)."""
    await access.unlock_for(db=db, course=course, user_id=user_id)
