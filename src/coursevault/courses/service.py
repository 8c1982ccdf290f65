"""Course rules: create, find, change, publish, delete; the catalog and outline views."""

from __future__ import annotations

import asyncio
import re
import secrets
import unicodedata
from datetime import datetime
from typing import Any

from coursevault import clock
from coursevault.auth import service as auth
from coursevault.auth.models import Role, User
from coursevault.captions import service as captions
from coursevault.config import Settings
from coursevault.courses import covers, drip, errors
from coursevault.courses import repo as courses_repo
from coursevault.courses.models import (
    CompletionRule,
    CourseCreate,
    CoursePage,
    CourseRead,
    CourseStatus,
    CourseSummary,
    CourseUpdate,
    LessonKind,
    LessonRead,
    MyCourse,
    MyCoursePage,
    PlaybackPolicy,
    Price,
    SectionRead,
)
from coursevault.courses.outline import (
    lessons_of,
    new_id,
    quiz_ids,
    refresh_video_details,
    videos_of,
)
from coursevault.database.db import Database, Document
from coursevault.engagement import service as engagement
from coursevault.enrollments import service as enrollments
from coursevault.http import urls
from coursevault.i18n import Msg, msg
from coursevault.markdown import render as render_markdown
from coursevault.media import service as media
from coursevault.media.models import Video
from coursevault.progress import service as progress
from coursevault.quizzes import repo as quizzes_repo


def slugify(title: str) -> str:
    """Returns a URL slug for TITLE: ASCII words joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    return slug or "course"


def can_edit(user: User | None, course: Document) -> bool:
    return user is not None and (course["instructor_id"] == user.id or Role.admin in user.roles)


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
            "outcomes": course_in.outcomes,
            "price": course_in.price.model_dump(),
            "policy": course_in.policy.model_dump(mode="json"),
            "completion": course_in.completion.model_dump(mode="json"),
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
    raise errors.slug_taken()


async def find_course(*, db: Database, ref: str) -> Document | None:
    """Returns the course with id or slug REF."""
    course = await courses_repo.get_course(db=db, course_id=ref)
    return course or await courses_repo.get_by_slug(db=db, slug=ref.lower())


async def visible_course(*, db: Database, ref: str, viewer: User | None) -> Document:
    """Returns the course for VIEWER: drafts exist only for their instructor, admins and
    students enrolled before it was unpublished."""
    course = await find_course(db=db, ref=ref)
    if course is None or not await may_see(db=db, course=course, viewer=viewer):
        raise errors.course_not_found()
    return course


def on_sale(course: Document) -> bool:
    """Whether COURSE is published (a site-wide membership opens only those)."""
    return bool(course["status"] == CourseStatus.published)


async def may_see(*, db: Database, course: Document, viewer: User | None) -> bool:
    """Published courses are public; an unpublished one stays open to its students."""
    if course["status"] == CourseStatus.published or can_edit(viewer, course):
        return True
    return viewer is not None and await enrollments.is_active(
        db=db, user_id=viewer.id, course_id=course["_id"], published=False
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
    if course_in.outcomes is not None:
        fields["outcomes"] = course_in.outcomes
    if course_in.price is not None:
        fields["price"] = course_in.price.model_dump()
    if course_in.policy is not None:
        fields["policy"] = course_in.policy.model_dump(mode="json")
    if course_in.completion is not None:
        fields["completion"] = _completion(course, course_in.completion)
    updated = await courses_repo.update_course(db=db, course_id=course["_id"], **fields)
    if updated is None:
        raise errors.course_not_found()
    if course_in.policy is not None and course_in.policy.forensic_watermark:
        videos = await most_watched_videos(db=db, course=updated)
        await media.queue_forensic(db=db, video_ids=videos)
    return updated


def completion_of(course: Document) -> CompletionRule:
    return CompletionRule.model_validate(course.get("completion") or {})


def counted_lessons(course: Document) -> list[str]:
    """The ids of the lessons that complete COURSE, in outline order (Q4)."""
    chosen = completion_of(course).lessons
    return [
        lesson["id"] for lesson in lessons_of(course) if chosen is None or lesson["id"] in chosen
    ]


def _completion(course: Document, rule: CompletionRule) -> dict[str, Any]:
    """The stored form of RULE; 422 invalid_completion when it names what the course has not."""
    lessons = {lesson["id"] for lesson in lessons_of(course)}
    if rule.lessons is not None and not set(rule.lessons) <= lessons:
        raise errors.invalid_completion(msg("lessons names a lesson that is not in this course"))
    if rule.required_quizzes is not None and not set(rule.required_quizzes) <= quiz_ids(course):
        raise errors.invalid_completion(
            msg("required_quizzes names a quiz that is not in this course")
        )
    return rule.model_dump(mode="json")


async def most_watched_videos(*, db: Database, course: Document) -> list[str]:
    """The ids of COURSE's lesson videos, most viewed first (the views of the lessons that
    use each one), then in lesson order."""
    # The order their forensic re-packages are made in: until a video's variants are
    # published its sessions are served unmarked (or wait), so the videos learners are
    # most likely to open go first.
    lessons = [lesson for lesson in lessons_of(course) if lesson.get("video_id")]
    counted = await engagement.views(db=db, lesson_ids=[str(lesson["id"]) for lesson in lessons])
    views: dict[str, int] = {}
    for lesson in lessons:
        video_id = str(lesson["video_id"])
        views[video_id] = views.get(video_id, 0) + counted[str(lesson["id"])]
    return sorted(views, key=lambda video_id: -views[video_id])  # stable: lesson order


async def delete_course(*, db: Database, course: Document) -> None:
    """Deletes a draft nobody is enrolled in; anything else would take away paid access."""
    if course["status"] != CourseStatus.draft:
        raise errors.course_published()
    if await enrollments.count(db=db, course_id=course["_id"]):
        raise errors.course_has_enrollments()
    await courses_repo.delete_course(db=db, course_id=course["_id"])
    await progress.forget_course(db=db, course_id=course["_id"])
    await quizzes_repo.delete_for_course(db=db, course_id=course["_id"])


async def publish(*, db: Database, course: Document) -> Document:
    """Publishes COURSE when it has a lesson and every video lesson is ready."""
    course = await refresh_video_details(db=db, course=course)
    reasons: list[Msg] = []
    lessons = lessons_of(course)
    if not lessons:
        reasons.append(msg("add at least one lesson"))
    videos = await videos_of(db=db, course=course)
    for lesson in lessons:
        video = videos.get(lesson.get("video_id") or "")
        if lesson["kind"] == LessonKind.video and (
            # Playable is enough: the early rendition plays, the full ladder follows.
            video is None or not video.plays
        ):
            reasons.append(msg("the video of lesson “{title}” is not ready", title=lesson["title"]))
    reasons += await _empty_quizzes(db=db, course=course)
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


async def _empty_quizzes(*, db: Database, course: Document) -> list[Msg]:
    """A reason per quiz lesson or checkpoint that has no question yet."""
    asked = {
        q.id
        for q in await quizzes_repo.quizzes_of_course(db=db, course_id=course["_id"])
        if q.questions
    }
    reasons = []
    for lesson in lessons_of(course):
        quizzes = [lesson.get("quiz_id")] + [c["id"] for c in lesson.get("checkpoints") or []]
        if any(quiz_id and quiz_id not in asked for quiz_id in quizzes):
            reasons.append(msg("a quiz of lesson “{title}” has no question", title=lesson["title"]))
    return reasons


async def unpublish(*, db: Database, course: Document) -> Document:
    """Hides COURSE from the catalog; enrolled students keep their access."""
    updated = await courses_repo.update_course(
        db=db, course_id=course["_id"], status=CourseStatus.draft.value
    )
    if updated is None:
        raise errors.course_not_found()
    return updated


# ---- views ---------------------------------------------------------------------------


async def to_read(*, db: Database, course: Document, viewer: User | None) -> CourseRead:
    """Returns the course outline; sources and video ids only for those who may edit."""
    editor = can_edit(viewer, course)
    videos = await videos_of(db=db, course=course) if editor else {}
    instructor = await auth.get_user(db=db, user_id=course["instructor_id"])
    standing = (
        await enrollments.standing(
            db=db, user_id=viewer.id, course_id=course["_id"], published=on_sale(course)
        )
        if viewer is not None
        else None
    )

    gates = await _quiz_gates(
        db=db,
        course=course,
        viewer=viewer,
        student=standing is not None and not editor and not standing.unlocked,
    )

    def opens_at(section: Document, lesson: Document) -> datetime | None:
        if standing is None or editor:
            return None
        return drip.held_until(
            section, lesson, enrolled_at=standing.since, unlocked=standing.unlocked
        )

    sections = [
        SectionRead(
            id=section["id"],
            title=section["title"],
            release=section.get("release"),
            lessons=[
                _lesson_read(
                    lesson,
                    videos if editor else None,
                    opens_at(section, lesson),
                    gates.get(lesson["id"]),
                )
                for lesson in section["lessons"]
            ],
        )
        for section in course["sections"]
    ]
    policy = PlaybackPolicy(**course["policy"])
    return CourseRead(
        **summary_of(course, instructor.name if instructor else "").model_dump(),
        description_html=render_markdown(course["description"]),
        outcomes=course.get("outcomes", ""),
        outcomes_html=render_markdown(course.get("outcomes", "")),
        instructor_bio=instructor.bio if instructor else "",
        instructor_id=course["instructor_id"],
        policy=policy,
        completion=completion_of(course),
        forensic_watermark=_served_marked(course, policy, videos) if editor else None,
        sections=sections,
        created_at=course["created_at"],
        published_at=course["published_at"],
        enrolled=standing is not None,
        can_edit=editor,
    )


def _served_marked(course: Document, policy: PlaybackPolicy, videos: dict[str, Video]) -> bool:
    """Whether every session of COURSE gets its own mark: the policy asks for it and every
    video lesson's video has its variants published (until then F7 applies)."""
    if not policy.forensic_watermark:
        return False
    for lesson in lessons_of(course):
        video = videos.get(lesson.get("video_id") or "")
        if lesson["kind"] == LessonKind.video and (video is None or video.forensic is None):
            return False
    return True


async def _quiz_gates(
    *, db: Database, course: Document, viewer: User | None, student: bool
) -> dict[str, str]:
    """For an enrolled STUDENT (whose course the instructor did not unlock): per lesson
    held back by drip after_quiz, the quiz still to pass."""
    if viewer is None or not student:
        return {}
    wanted = {
        lesson["id"]: rule.after_quiz
        for section in course["sections"]
        for lesson in section["lessons"]
        if (rule := drip.rule_of(section, lesson)) is not None
        and rule.after_quiz
        and not lesson.get("preview")
    }
    passed = await quizzes_repo.passed(
        db=db, user_id=viewer.id, quiz_ids=sorted(set(wanted.values()))
    )
    return {lesson_id: quiz_id for lesson_id, quiz_id in wanted.items() if quiz_id not in passed}


def _lesson_read(
    lesson: Document,
    videos: dict[str, Video] | None,
    opens_at: datetime | None,
    after_quiz: str | None = None,
) -> LessonRead:
    """One lesson of the outline; VIDEOS (the editor's view) adds its video and sources."""
    editor = videos is not None
    video = (videos or {}).get(lesson.get("video_id") or "")
    return LessonRead(
        id=lesson["id"],
        title=lesson["title"],
        kind=lesson["kind"],
        preview=lesson["preview"],
        duration=lesson.get("duration"),
        video_id=lesson.get("video_id") if editor else None,
        video_status=video.status if video is not None else None,
        video_forensic_watermark=video.forensic is not None if video is not None else None,
        video_forensic_progress=media.forensic_progress(video) if video is not None else None,
        body=lesson.get("body") if editor and lesson["kind"] == LessonKind.text else None,
        chapters=lesson.get("chapters", []),
        release=lesson.get("release"),
        opens_at=opens_at,
        after_quiz=after_quiz,
        quiz_id=lesson.get("quiz_id"),
        checkpoints=lesson.get("checkpoints") or [],
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
        cover_url=cover_url(course),
    )


def cover_url(course: Document) -> str | None:
    if course.get("cover"):
        return urls.cover(course["cover"])
    if any(lesson.get("video_id") for lesson in lessons_of(course)):
        return urls.default_cover(course["_id"])
    return None


def first_video(course: Document) -> str | None:
    """The video of the course's first video lesson (its poster is the default cover)."""
    return next(
        (lesson["video_id"] for lesson in lessons_of(course) if lesson.get("video_id")), None
    )


async def set_cover(*, db: Database, settings: Settings, course: Document, data: bytes) -> Document:
    """Makes DATA (an image, checked by its bytes) the course's cover; 422 invalid_image."""
    try:
        name, body = await asyncio.to_thread(covers.prepare, data)
    except covers.CoverError as exc:
        raise errors.invalid_image(exc.text) from None
    await media.store_cover(settings=settings, name=name, data=body)
    updated = await courses_repo.update_course(db=db, course_id=course["_id"], cover=name)
    if updated is None:
        raise errors.course_not_found()
    return updated


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


async def taught_by(*, db: Database, instructor_id: str) -> list[Document]:
    """Every course INSTRUCTOR_ID teaches, drafts included, newest first."""
    return await courses_repo.by_instructor(db=db, instructor_id=instructor_id)


async def ids_taught_by(*, db: Database, instructor_id: str) -> list[str]:
    """The ids of every course INSTRUCTOR_ID teaches, drafts included."""
    return [c["_id"] for c in await taught_by(db=db, instructor_id=instructor_id)]


async def ensure_video_unused(*, db: Database, video_id: str) -> None:
    """Refuses (409 video_in_use, naming the courses) when a lesson plays VIDEO_ID."""
    using = await courses_repo.using_video(db=db, video_id=video_id)
    if using:
        raise errors.video_in_use([{"id": c["_id"], "title": c["title"]} for c in using])


async def delete_video(*, db: Database, settings: Settings, video: Video) -> None:
    """Deletes VIDEO with its files and caption tracks, unless a lesson plays it (409)."""
    await ensure_video_unused(db=db, video_id=video.id)
    await media.delete_video(db=db, settings=settings, video=video, also=(captions.delete_all,))


async def courses_by_id(*, db: Database, course_ids: list[str]) -> dict[str, Document]:
    """Returns the courses with COURSE_IDS by id (missing ones are absent)."""
    return {c["_id"]: c for c in await courses_repo.get_many(db=db, course_ids=course_ids)}


async def my_courses(*, db: Database, user: User) -> MyCoursePage:
    """Returns the courses USER is enrolled in, with progress."""
    mine = await enrollments.courses_of_user(db=db, user_id=user.id)
    ids = list(mine.course_ids)
    if mine.all_courses:
        ids += [c for c in await courses_repo.published_ids(db=db) if c not in ids]
    by_id = await courses_by_id(db=db, course_ids=ids)
    ordered = [by_id[course_id] for course_id in ids if course_id in by_id]
    items = []
    for course, summary in zip(ordered, await summaries(db=db, courses=ordered), strict=True):
        done = await progress.course_progress(
            db=db,
            user_id=user.id,
            course_id=course["_id"],
            lesson_ids=counted_lessons(course),
        )
        items.append(MyCourse(course=summary, percent=done.percent, resume=done.resume))
    return MyCoursePage(items=items)
