"""Course rules: building, publishing, the catalog, lesson access, plays and progress."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bson import ObjectId

from coursevault import clock
from coursevault.auth import service as auth
from coursevault.auth.models import Role, User
from coursevault.config import Settings
from coursevault.courses import errors
from coursevault.courses import repo as courses_repo
from coursevault.courses.markdown import render as render_markdown
from coursevault.courses.models import (
    CourseCreate,
    CoursePage,
    CourseProgress,
    CourseRead,
    CourseStatus,
    CourseSummary,
    CourseUpdate,
    LessonContent,
    LessonCreate,
    LessonKind,
    LessonProgress,
    LessonRead,
    LessonUpdate,
    MoveIn,
    MyCourse,
    MyCourses,
    PlaybackPolicy,
    Price,
    ResumePoint,
    SectionRead,
)
from coursevault.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.errors import AppError
from coursevault.media import service as media
from coursevault.media.models import VideoStatus
from coursevault.streaming.models import LimitBehavior, StreamPolicy

COMPLETION_SHARE = 0.9  # a video lesson is complete once 90 % of it has been watched
MAX_STRUCTURE_RETRIES = 5

type Sections = list[dict[str, Any]]


class Access(StrEnum):
    staff = "staff"  # the course's instructor or an admin
    enrolled = "enrolled"  # an active enrollment, checked again at every key request
    preview = "preview"  # any signed-in user, on a lesson marked preview


@dataclass(frozen=True)
class LessonRef:
    course: Document
    section: dict[str, Any]
    lesson: dict[str, Any]

    @property
    def course_id(self) -> str:
        course_id: str = self.course["_id"]
        return course_id

    @property
    def lesson_id(self) -> str:
        lesson_id: str = self.lesson["id"]
        return lesson_id


def new_id() -> str:
    return str(ObjectId())


def slugify(title: str) -> str:
    """Returns a URL slug for TITLE: ASCII words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    return slug or "course"


def can_edit(user: User | None, course: Document) -> bool:
    return user is not None and (course["instructor_id"] == user.id or Role.admin in user.roles)


def lessons_of(course: Document) -> list[dict[str, Any]]:
    return [lesson for section in course["sections"] for lesson in section["lessons"]]


# ---- courses -------------------------------------------------------------------------


async def create_course(*, db: Database, user: User, course_in: CourseCreate) -> Document:
    """Creates a draft course owned by USER, with a unique slug."""
    now = clock.now()
    base = slugify(course_in.title)
    for attempt in range(10):
        doc: Document = {
            "_id": new_id(),
            "slug": base if attempt == 0 else f"{base}-{secrets.token_hex(3)}",
            "title": course_in.title,
            "description": course_in.description,
            "price": course_in.price.model_dump(),
            "policy": course_in.policy.model_dump(mode="json"),
            "status": CourseStatus.draft.value,
            "instructor_id": user.id,
            "sections": [],
            "lesson_count": 0,
            "duration": 0.0,
            "version": 0,
            "created_at": now,
            "updated_at": now,
            "published_at": None,
        }
        if await courses_repo.insert_course(db=db, doc=doc):
            return doc
    raise AppError(409, "slug_taken", "Could not find a free address for this title.")


async def find_course(*, db: Database, ref: str) -> Document | None:
    """Returns the course with id or slug REF."""
    course = await courses_repo.get_course(db=db, course_id=ref)
    return course or await courses_repo.get_by_slug(db=db, slug=ref.lower())


async def visible_course(*, db: Database, ref: str, viewer: User | None) -> Document:
    """Returns the course for VIEWER: drafts exist only for their instructor, admins and
    students enrolled before it was unpublished."""
    course = await find_course(db=db, ref=ref)
    if course is None or not await _may_see(db=db, course=course, viewer=viewer):
        raise errors.course_not_found()
    return course


async def _may_see(*, db: Database, course: Document, viewer: User | None) -> bool:
    """Published courses are public; an unpublished one stays open to its students."""
    if course["status"] == CourseStatus.published or can_edit(viewer, course):
        return True
    return viewer is not None and await enrollments.is_active(
        db=db, user_id=viewer.id, course_id=course["_id"]
    )


async def owned_course(*, db: Database, course_id: str, user: User) -> Document:
    """Returns the course if USER may change it: 404 when missing, 403 when not theirs."""
    course = await courses_repo.get_course(db=db, course_id=course_id)
    if course is None:
        raise errors.course_not_found()
    if not can_edit(user, course):
        raise errors.not_course_owner()
    return course


async def update_course(*, db: Database, course: Document, course_in: CourseUpdate) -> Document:
    fields: dict[str, Any] = {}
    if course_in.title is not None:
        fields["title"] = course_in.title
    if course_in.description is not None:
        fields["description"] = course_in.description
    if course_in.price is not None:
        fields["price"] = course_in.price.model_dump()
    if course_in.policy is not None:
        fields["policy"] = course_in.policy.model_dump(mode="json")
    updated = await courses_repo.update_course(db=db, course_id=course["_id"], **fields)
    if updated is None:
        raise errors.course_not_found()
    return updated


async def delete_course(*, db: Database, course: Document) -> None:
    """Deletes a draft nobody is enrolled in; anything else would take away paid access."""
    if course["status"] != CourseStatus.draft:
        raise AppError(409, "course_published", "Unpublish the course before deleting it.")
    if await enrollments.count(db=db, course_id=course["_id"]):
        raise AppError(409, "course_has_enrollments", "Students are enrolled in this course.")
    await courses_repo.delete_course(db=db, course_id=course["_id"])


async def publish(*, db: Database, course: Document) -> Document:
    """Publishes COURSE when it has a lesson and every video lesson is ready."""
    course = await refresh_video_details(db=db, course=course)
    reasons: list[str] = []
    lessons = lessons_of(course)
    if not lessons:
        reasons.append("add at least one lesson")
    videos = await _videos_of(db=db, course=course)
    for lesson in lessons:
        video = videos.get(lesson.get("video_id") or "")
        if lesson["kind"] == LessonKind.video and (
            video is None or video["status"] != VideoStatus.ready
        ):
            reasons.append(f"the video of lesson “{lesson['title']}” is not ready")
    if reasons:
        raise errors.cannot_publish(reasons)
    updated = await courses_repo.update_course(
        db=db,
        course_id=course["_id"],
        status=CourseStatus.published.value,
        published_at=course.get("published_at") or clock.now(),
    )
    if updated is None:
        raise errors.course_not_found()
    return updated


async def unpublish(*, db: Database, course: Document) -> Document:
    """Hides COURSE from the catalog; enrolled students keep their access."""
    updated = await courses_repo.update_course(
        db=db, course_id=course["_id"], status=CourseStatus.draft.value
    )
    if updated is None:
        raise errors.course_not_found()
    return updated


# ---- sections and lessons -------------------------------------------------------------


async def _videos_of(*, db: Database, course: Document) -> dict[str, Document]:
    ids = [lesson["video_id"] for lesson in lessons_of(course) if lesson.get("video_id")]
    return await media.videos_by_id(db=db, video_ids=ids) if ids else {}


def _find_section(sections: Sections, section_id: str) -> dict[str, Any]:
    for section in sections:
        if section["id"] == section_id:
            return section
    raise errors.section_not_found()


def _find_lesson(sections: Sections, lesson_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for section in sections:
        for lesson in section["lessons"]:
            if lesson["id"] == lesson_id:
                return section, lesson
    raise errors.lesson_not_found()


async def edit_structure[T](
    *, db: Database, course: Document, change: Callable[[Sections], T]
) -> tuple[Document, T]:
    """Applies CHANGE to the course's sections as one compare-and-set on its version.

    Every section and lesson edit goes through here, so two instructors editing at once
    never lose each other's changes (the loser re-reads and re-applies), and the
    denormalized lesson count and duration the catalog shows stay right.
    """
    current = course
    for _ in range(MAX_STRUCTURE_RETRIES):
        sections: Sections = [
            {**s, "lessons": [dict(lesson) for lesson in s["lessons"]]} for s in current["sections"]
        ]
        result = change(sections)
        lessons = [lesson for s in sections for lesson in s["lessons"]]
        updated = await courses_repo.update_course(
            db=db,
            course_id=current["_id"],
            expect={"version": current["version"]},
            sections=sections,
            lesson_count=len(lessons),
            duration=sum(lesson.get("duration") or 0.0 for lesson in lessons),
        )
        if updated is not None:
            return updated, result
        reread = await courses_repo.get_course(db=db, course_id=current["_id"])
        if reread is None:
            raise errors.course_not_found()
        current = reread
    raise AppError(409, "edit_conflict", "The course changed while saving; try again.")


async def add_section(*, db: Database, course: Document, title: str) -> tuple[Document, str]:
    section_id = new_id()

    def change(sections: Sections) -> str:
        sections.append({"id": section_id, "title": title, "lessons": []})
        return section_id

    return await edit_structure(db=db, course=course, change=change)


async def rename_section(
    *, db: Database, course: Document, section_id: str, title: str
) -> Document:
    def change(sections: Sections) -> None:
        _find_section(sections, section_id)["title"] = title

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def delete_section(*, db: Database, course: Document, section_id: str) -> Document:
    def change(sections: Sections) -> None:
        section = _find_section(sections, section_id)
        if course["status"] == CourseStatus.published and len(
            [lesson for s in sections for lesson in s["lessons"]]
        ) == len(section["lessons"]):
            raise AppError(409, "last_lesson", "A published course keeps at least one lesson.")
        sections.remove(section)

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def _lesson_video(*, db: Database, course: Document, video_id: str) -> Document:
    """Returns VIDEO_ID if the course's instructor owns it (and it is ready, once published)."""
    video = (await media.videos_by_id(db=db, video_ids=[video_id])).get(video_id)
    if video is None or video["owner_id"] != course["instructor_id"]:
        raise AppError(422, "invalid_video", "Choose one of the course instructor's own videos.")
    if course["status"] == CourseStatus.published and video["status"] != VideoStatus.ready:
        raise AppError(
            409, "video_not_ready", "A published course can only use videos that are ready."
        )
    return video


async def add_lesson(
    *, db: Database, course: Document, section_id: str, lesson_in: LessonCreate
) -> tuple[Document, str]:
    video = None
    if lesson_in.kind is LessonKind.video:
        assert lesson_in.video_id is not None
        video = await _lesson_video(db=db, course=course, video_id=lesson_in.video_id)
    lesson_id = new_id()
    lesson = {
        "id": lesson_id,
        "title": lesson_in.title,
        "kind": lesson_in.kind.value,
        "video_id": video["_id"] if video else None,
        "duration": video["duration"] if video else None,
        "body": lesson_in.body if lesson_in.kind is LessonKind.text else "",
        "preview": lesson_in.preview,
    }

    def change(sections: Sections) -> str:
        _find_section(sections, section_id)["lessons"].append(lesson)
        return lesson_id

    return await edit_structure(db=db, course=course, change=change)


async def update_lesson(
    *, db: Database, course: Document, lesson_id: str, lesson_in: LessonUpdate
) -> Document:
    video = None
    if lesson_in.video_id is not None:
        video = await _lesson_video(db=db, course=course, video_id=lesson_in.video_id)

    def change(sections: Sections) -> None:
        _, lesson = _find_lesson(sections, lesson_id)
        if lesson_in.title is not None:
            lesson["title"] = lesson_in.title
        if lesson_in.preview is not None:
            lesson["preview"] = lesson_in.preview
        if lesson_in.body is not None and lesson["kind"] == LessonKind.text:
            lesson["body"] = lesson_in.body
        if video is not None and lesson["kind"] == LessonKind.video:
            lesson["video_id"], lesson["duration"] = video["_id"], video["duration"]

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def delete_lesson(*, db: Database, course: Document, lesson_id: str) -> Document:
    def change(sections: Sections) -> None:
        section, lesson = _find_lesson(sections, lesson_id)
        if (
            course["status"] == CourseStatus.published
            and sum(len(s["lessons"]) for s in sections) == 1
        ):
            raise AppError(409, "last_lesson", "A published course keeps at least one lesson.")
        section["lessons"].remove(lesson)

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def move(*, db: Database, course: Document, move_in: MoveIn) -> Document:
    """Moves a section, or a lesson into a section, to a position (clamped to the end)."""

    def change(sections: Sections) -> None:
        if move_in.kind == "section":
            section = _find_section(sections, move_in.id)
            sections.remove(section)
            sections.insert(min(move_in.position, len(sections)), section)
            return
        source, lesson = _find_lesson(sections, move_in.id)
        target = _find_section(sections, move_in.section_id) if move_in.section_id else source
        source["lessons"].remove(lesson)
        target["lessons"].insert(min(move_in.position, len(target["lessons"])), lesson)

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def refresh_video_details(*, db: Database, course: Document) -> Document:
    """Copies current video durations into the lessons (a video may finish after it was added)."""
    videos = await _videos_of(db=db, course=course)

    def change(sections: Sections) -> None:
        for lesson in (lesson for s in sections for lesson in s["lessons"]):
            video = videos.get(lesson.get("video_id") or "")
            if video is not None:
                lesson["duration"] = video["duration"]

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


# ---- views ---------------------------------------------------------------------------


async def to_read(*, db: Database, course: Document, viewer: User | None) -> CourseRead:
    """Returns the course outline; sources and video ids only for those who may edit."""
    editor = can_edit(viewer, course)
    videos = await _videos_of(db=db, course=course) if editor else {}
    instructor = await auth.get_user(db=db, user_id=course["instructor_id"])
    enrolled = viewer is not None and await enrollments.is_active(
        db=db, user_id=viewer.id, course_id=course["_id"]
    )
    sections = [
        SectionRead(
            id=section["id"],
            title=section["title"],
            lessons=[
                LessonRead(
                    id=lesson["id"],
                    title=lesson["title"],
                    kind=lesson["kind"],
                    preview=lesson["preview"],
                    duration=lesson.get("duration"),
                    video_id=lesson.get("video_id") if editor else None,
                    video_status=(
                        videos[lesson["video_id"]]["status"]
                        if editor and lesson.get("video_id") in videos
                        else None
                    ),
                    body=lesson.get("body") if editor and lesson["kind"] == "text" else None,
                )
                for lesson in section["lessons"]
            ],
        )
        for section in course["sections"]
    ]
    return CourseRead(
        **summary_of(course, instructor.name if instructor else "").model_dump(),
        instructor_id=course["instructor_id"],
        policy=PlaybackPolicy(**course["policy"]),
        sections=sections,
        created_at=course["created_at"],
        published_at=course["published_at"],
        enrolled=enrolled,
        can_edit=editor,
    )


def summary_of(course: Document, instructor_name: str) -> CourseSummary:
    return CourseSummary(
        id=course["_id"],
        slug=course["slug"],
        title=course["title"],
        description=course["description"],
        price=Price(**course["price"]),
        status=course["status"],
        instructor_name=instructor_name,
        lesson_count=course["lesson_count"],
        duration=course["duration"],
    )


async def summaries(*, db: Database, courses: list[Document]) -> list[CourseSummary]:
    names = await auth.get_users(db=db, user_ids=[c["instructor_id"] for c in courses])
    return [
        summary_of(c, names[c["instructor_id"]].name if c["instructor_id"] in names else "")
        for c in courses
    ]


async def catalog(*, db: Database, query: str, page: int, per_page: int) -> CoursePage:
    """Returns one page of published courses whose title or description match QUERY."""
    docs, total = await courses_repo.catalog(
        db=db, query=query[:200], skip=(page - 1) * per_page, limit=per_page
    )
    return CoursePage(
        items=await summaries(db=db, courses=docs), total=total, page=page, per_page=per_page
    )


async def teaching(*, db: Database, user: User) -> list[CourseSummary]:
    """Returns the courses USER teaches, drafts included."""
    return await summaries(
        db=db, courses=await courses_repo.by_instructor(db=db, instructor_id=user.id)
    )


async def courses_using_video(*, db: Database, video_id: str) -> list[Document]:
    """Returns the courses with a lesson that plays VIDEO_ID."""
    return await courses_repo.using_video(db=db, video_id=video_id)


async def courses_by_id(*, db: Database, course_ids: list[str]) -> dict[str, Document]:
    return {c["_id"]: c for c in await courses_repo.get_many(db=db, course_ids=course_ids)}


# ---- lessons: access, plays, progress -------------------------------------------------


async def lesson_ref(*, db: Database, lesson_id: str, viewer: User) -> LessonRef:
    """Finds a lesson that VIEWER may see (the course's visibility rule)."""
    course = await courses_repo.course_of_lesson(db=db, lesson_id=lesson_id)
    if course is None or not await _may_see(db=db, course=course, viewer=viewer):
        raise errors.lesson_not_found()
    section, lesson = _find_lesson(course["sections"], lesson_id)
    return LessonRef(course=course, section=section, lesson=lesson)


async def lesson_access(*, db: Database, user: User, ref: LessonRef) -> Access:
    """Tells why USER may open the lesson; 403 not_enrolled when they may not."""
    if can_edit(user, ref.course):
        return Access.staff
    if await enrollments.is_active(db=db, user_id=user.id, course_id=ref.course_id):
        return Access.enrolled
    if ref.lesson["preview"]:
        return Access.preview
    raise errors.not_enrolled()


async def still_allowed(*, db: Database, user: User, course_id: str, access: str) -> bool:
    """Re-checks, at key time, the reason a playback session was allowed (K1, P5)."""
    if access == Access.enrolled:
        return await enrollments.is_active(db=db, user_id=user.id, course_id=course_id)
    return access in (Access.staff, Access.preview)


def stream_policy(settings: Settings, course: Document) -> StreamPolicy:
    policy = PlaybackPolicy(**course["policy"])
    return StreamPolicy(
        max_concurrent_streams=policy.max_concurrent_streams or settings.max_concurrent_streams,
        limit_behavior=policy.limit_behavior or LimitBehavior.refuse_new,
    )


def max_plays(settings: Settings, course: Document) -> int | None:
    return PlaybackPolicy(**course["policy"]).max_plays_per_lesson or settings.max_plays_per_lesson


async def plays_left(*, db: Database, user: User, ref: LessonRef, limit: int) -> bool:
    doc = await courses_repo.plays(db=db, user_id=user.id, lesson_id=ref.lesson_id)
    return doc is None or doc["count"] < limit + doc["extra"]


async def count_play(*, db: Database, user: User, ref: LessonRef, limit: int) -> bool:
    """Counts one play (once per playback session); False when none were left."""
    return await courses_repo.count_play(
        db=db, user_id=user.id, course_id=ref.course_id, lesson_id=ref.lesson_id, limit=limit
    )


async def grant_plays(
    *, db: Database, course: Document, user_id: str, lesson_id: str, extra: int
) -> Document:
    """Gives a student EXTRA more plays of one lesson of COURSE."""
    _find_lesson(course["sections"], lesson_id)
    if not await enrollments.is_active(db=db, user_id=user_id, course_id=course["_id"]):
        raise AppError(404, "student_not_found", "This student is not enrolled in the course.")
    return await courses_repo.grant_plays(
        db=db, user_id=user_id, course_id=course["_id"], lesson_id=lesson_id, extra=extra
    )


def _completes(lesson: dict[str, Any], position: float, completed: bool | None) -> bool:
    if lesson["kind"] == LessonKind.video and lesson.get("duration"):
        return bool(completed) or position >= COMPLETION_SHARE * float(lesson["duration"])
    return bool(completed)


async def record_progress(
    *, db: Database, user_id: str, ref: LessonRef, position: float, completed: bool | None = None
) -> LessonProgress:
    """Stores where USER_ID is in the lesson; a video completes at 90 % watched."""
    duration = ref.lesson.get("duration")
    position = min(position, float(duration)) if duration else position
    doc = await courses_repo.save_progress(
        db=db,
        user_id=user_id,
        course_id=ref.course_id,
        lesson_id=ref.lesson_id,
        position=position,
        completed=_completes(ref.lesson, position, completed),
    )
    return LessonProgress(
        lesson_id=doc["lesson_id"],
        position=doc["position"],
        completed=doc["completed"],
        updated_at=doc["updated_at"],
    )


async def resume_position(*, db: Database, user_id: str, ref: LessonRef) -> float:
    """Returns where USER_ID left the lesson (0 when never started)."""
    saved = await courses_repo.lesson_progress(db=db, user_id=user_id, lesson_id=ref.lesson_id)
    return float(saved["position"]) if saved else 0.0


async def lesson_content(*, db: Database, user: User, ref: LessonRef) -> LessonContent:
    await lesson_access(db=db, user=user, ref=ref)
    saved = await courses_repo.lesson_progress(db=db, user_id=user.id, lesson_id=ref.lesson_id)
    return LessonContent(
        id=ref.lesson_id,
        course_id=ref.course_id,
        title=ref.lesson["title"],
        kind=ref.lesson["kind"],
        body_html=render_markdown(ref.lesson["body"]) if ref.lesson["kind"] == "text" else None,
        duration=ref.lesson.get("duration"),
        position=saved["position"] if saved else 0.0,
        completed=saved["completed"] if saved else False,
    )


async def course_progress(*, db: Database, user_id: str, course: Document) -> CourseProgress:
    """Returns per-lesson progress, the completed share, and where to resume."""
    saved = {
        doc["lesson_id"]: doc
        for doc in await courses_repo.progress_of(db=db, user_id=user_id, course_id=course["_id"])
    }
    lessons = lessons_of(course)
    items = [
        LessonProgress(
            lesson_id=lesson["id"],
            position=saved[lesson["id"]]["position"] if lesson["id"] in saved else 0.0,
            completed=saved[lesson["id"]]["completed"] if lesson["id"] in saved else False,
            updated_at=saved[lesson["id"]]["updated_at"] if lesson["id"] in saved else None,
        )
        for lesson in lessons
    ]
    done = sum(item.completed for item in items)
    return CourseProgress(
        course_id=course["_id"],
        lessons=items,
        completed=done,
        total=len(items),
        percent=round(100.0 * done / len(items), 1) if items else 0.0,
        resume=_resume_point(items),
    )


def _resume_point(items: list[LessonProgress]) -> ResumePoint | None:
    """The lesson last watched if unfinished, else the first unfinished one in order."""
    started = [i for i in items if i.updated_at is not None and not i.completed]
    if started:
        last = max(started, key=lambda i: i.updated_at or clock.now())
        return ResumePoint(lesson_id=last.lesson_id, position=last.position)
    first_open = next((i for i in items if not i.completed), None)
    return ResumePoint(lesson_id=first_open.lesson_id, position=0.0) if first_open else None


async def my_courses(*, db: Database, user: User) -> MyCourses:
    """Returns the courses USER is enrolled in, with progress."""
    active = await enrollments.active_for_user(db=db, user_id=user.id)
    by_id = await courses_by_id(db=db, course_ids=[e["course_id"] for e in active])
    ordered = [by_id[e["course_id"]] for e in active if e["course_id"] in by_id]
    items = []
    for course, summary in zip(ordered, await summaries(db=db, courses=ordered), strict=True):
        progress = await course_progress(db=db, user_id=user.id, course=course)
        items.append(MyCourse(course=summary, percent=progress.percent, resume=progress.resume))
    return MyCourses(items=items)


async def completion_counts(*, db: Database, course: Document) -> dict[str, int]:
    return await courses_repo.completions(db=db, course_id=course["_id"])
