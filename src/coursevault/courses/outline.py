"""Editing a course's outline: sections and lessons, each edit one compare-and-set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bson import ObjectId

from coursevault.courses import chapters, drip, errors
from coursevault.courses import repo as courses_repo
from coursevault.courses.models import (
    CourseStatus,
    LessonCreate,
    LessonKind,
    LessonUpdate,
    MoveIn,
    Release,
    SectionUpdate,
)
from coursevault.database.db import Database, Document
from coursevault.i18n import msg
from coursevault.media import service as media
from coursevault.media.models import Video
from coursevault.quizzes import repo as quizzes_repo
from coursevault.quizzes.models import QuizKind

# Each losing round means another editor won, so N editors at once need up to N rounds.
MAX_STRUCTURE_RETRIES = 20

type Sections = list[dict[str, Any]]


def new_id() -> str:
    return str(ObjectId())


def lessons_of(course: Document) -> list[dict[str, Any]]:
    """Returns COURSE's lessons in outline order."""
    return [lesson for section in course["sections"] for lesson in section["lessons"]]


def quizzes_of_lesson(lesson: dict[str, Any]) -> set[str]:
    """The ids of LESSON's quizzes: its own (a quiz lesson) and its checkpoints'."""
    found = {checkpoint["id"] for checkpoint in lesson.get("checkpoints") or []}
    return found | ({lesson["quiz_id"]} if lesson.get("quiz_id") else set())


def quiz_ids(course: Document) -> set[str]:
    """The ids of COURSE's quizzes: its quiz lessons' and its checkpoints'."""
    return {quiz for lesson in lessons_of(course) for quiz in quizzes_of_lesson(lesson)}


def drop_quiz_rules(sections: Sections, gone: set[str]) -> None:
    """Clears the drip rules that wait for a quiz in GONE (deleted: nobody could pass it)."""
    for section in sections:
        for holder in (section, *section["lessons"]):
            if (holder.get("release") or {}).get("after_quiz") in gone:
                holder["release"] = None


async def forget_quizzes(*, db: Database, course: Document, gone: set[str]) -> Document:
    """Takes deleted quizzes out of the course's completion rule, which would otherwise
    wait for them for ever; returns the course as it is then."""
    rule = course.get("completion") or {}
    required = rule.get("required_quizzes")
    if not required or not set(required) & gone:
        return course
    kept = [quiz for quiz in required if quiz not in gone]
    updated = await courses_repo.update_course(
        db=db, course_id=course["_id"], completion={**rule, "required_quizzes": kept}
    )
    return updated or course


async def videos_of(*, db: Database, course: Document) -> dict[str, Video]:
    """Returns the videos COURSE's lessons play, by id."""
    ids = [lesson["video_id"] for lesson in lessons_of(course) if lesson.get("video_id")]
    return await media.videos_by_id(db=db, video_ids=ids) if ids else {}


def _release(
    course: Document, rule: Release | None, held: list[dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """The stored form of a release RULE for the HELD lessons; 422 invalid_release for a
    quiz not of COURSE, or one of those lessons' own (it could never be reached)."""
    if rule is None or not rule.after_quiz:
        return drip.stored(rule)
    if rule.after_quiz not in quiz_ids(course):
        raise errors.invalid_release(msg("after_quiz names a quiz that is not in this course"))
    if any(rule.after_quiz in quizzes_of_lesson(lesson) for lesson in held or []):
        raise errors.invalid_release(msg("a lesson cannot wait for a quiz of its own"))
    return drip.stored(rule)


def find_section(sections: Sections, section_id: str) -> dict[str, Any]:
    for section in sections:
        if section["id"] == section_id:
            return section
    raise errors.section_not_found()


def find_lesson(sections: Sections, lesson_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
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
    raise errors.edit_conflict()


async def add_section(
    *, db: Database, course: Document, title: str, release: Release | None = None
) -> tuple[Document, str]:
    section_id = new_id()

    def change(sections: Sections) -> str:
        section: dict[str, Any] = {
            "id": section_id,
            "title": title,
            "lessons": [],
            "release": _release(course, release),
        }
        sections.append(section)
        return section_id

    return await edit_structure(db=db, course=course, change=change)


async def update_section(
    *, db: Database, course: Document, section_id: str, section_in: SectionUpdate
) -> Document:
    def change(sections: Sections) -> None:
        section = find_section(sections, section_id)
        if section_in.title is not None:
            section["title"] = section_in.title
        if section_in.release is not None:
            section["release"] = _release(course, section_in.release, section["lessons"])

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def delete_section(*, db: Database, course: Document, section_id: str) -> Document:
    def change(sections: Sections) -> None:
        section = find_section(sections, section_id)
        if course["status"] == CourseStatus.published and len(
            [lesson for s in sections for lesson in s["lessons"]]
        ) == len(section["lessons"]):
            raise errors.last_lesson()
        sections.remove(section)

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def lessons_playing(*, db: Database, video_id: str) -> list[dict[str, Any]]:
    """Every lesson, of any course, that plays VIDEO_ID."""
    courses = await courses_repo.using_video(db=db, video_id=video_id, outline=True)
    return [
        lesson
        for course in courses
        for lesson in lessons_of(course)
        if lesson.get("video_id") == video_id
    ]


async def _lesson_video(
    *, db: Database, course: Document, video_id: str, lesson_id: str | None = None
) -> Video:
    """Returns VIDEO_ID if the course's instructor owns it (and it plays, once published)
    and no other lesson holds checkpoints on it (its keys would open it here, Q3)."""
    video = (await media.videos_by_id(db=db, video_ids=[video_id])).get(video_id)
    if video is None or video.owner_id != course["instructor_id"]:
        raise errors.invalid_video()
    playing = await lessons_playing(db=db, video_id=video_id)
    if any(lesson.get("checkpoints") and lesson["id"] != lesson_id for lesson in playing):
        raise errors.checkpoint_video_shared()
    if course["status"] == CourseStatus.published and not video.plays:
        raise errors.video_not_ready()
    if course.get("policy", {}).get("forensic_watermark"):
        await media.queue_forensic(db=db, video_ids=[video.id])
    return video


def _chapters(kind: LessonKind, text: str, duration: float | None) -> list[dict[str, object]]:
    """The stored form of a lesson's chapters text; 422 invalid_chapters when unusable."""
    if text.strip() and kind is not LessonKind.video:
        raise errors.invalid_chapters(msg("Only video lessons have chapters."))
    try:
        return [c.model_dump() for c in chapters.parse(text, duration)]
    except chapters.ChapterError as exc:
        raise errors.invalid_chapters(exc.text) from None


async def add_lesson(
    *, db: Database, course: Document, section_id: str, lesson_in: LessonCreate
) -> tuple[Document, str]:
    video = None
    if lesson_in.kind is LessonKind.video:
        assert lesson_in.video_id is not None
        video = await _lesson_video(db=db, course=course, video_id=lesson_in.video_id)
    lesson_id = new_id()
    release = _release(course, lesson_in.release)
    quiz = None
    if lesson_in.kind is LessonKind.quiz:
        quiz = await quizzes_repo.create_quiz(
            db=db,
            course_id=course["_id"],
            lesson_id=lesson_id,
            kind=QuizKind.lesson,
            title=lesson_in.title,
        )
    lesson = {
        "id": lesson_id,
        "title": lesson_in.title,
        "kind": lesson_in.kind.value,
        "quiz_id": quiz.id if quiz else None,
        "checkpoints": [],
        "video_id": video.id if video else None,
        "duration": video.duration if video else None,
        "body": lesson_in.body if lesson_in.kind is LessonKind.text else "",
        "preview": lesson_in.preview,
        "chapters": _chapters(
            lesson_in.kind, lesson_in.chapters, video.duration if video else None
        ),
        "release": release,
    }

    def change(sections: Sections) -> str:
        find_section(sections, section_id)["lessons"].append(lesson)
        return lesson_id

    try:
        return await edit_structure(db=db, course=course, change=change)
    except BaseException:
        if quiz is not None:  # the lesson was not added: its quiz goes too
            await quizzes_repo.delete_quiz(db=db, quiz_id=quiz.id)
        raise


async def update_lesson(
    *, db: Database, course: Document, lesson_id: str, lesson_in: LessonUpdate
) -> Document:
    video = None
    if lesson_in.video_id is not None:
        video = await _lesson_video(
            db=db, course=course, video_id=lesson_in.video_id, lesson_id=lesson_id
        )

    def change(sections: Sections) -> None:
        _, lesson = find_lesson(sections, lesson_id)
        if lesson_in.title is not None:
            lesson["title"] = lesson_in.title
        if lesson_in.preview is not None:
            lesson["preview"] = lesson_in.preview
        if lesson_in.body is not None and lesson["kind"] == LessonKind.text:
            lesson["body"] = lesson_in.body
        if video is not None and lesson["kind"] == LessonKind.video:
            lesson["video_id"], lesson["duration"] = video.id, video.duration
        if lesson_in.release is not None:
            lesson["release"] = _release(course, lesson_in.release, [lesson])
        if lesson_in.chapters is not None:
            kind = LessonKind(lesson["kind"])
            lesson["chapters"] = _chapters(kind, lesson_in.chapters, lesson.get("duration"))

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def delete_lesson(*, db: Database, course: Document, lesson_id: str) -> Document:
    """Removes the lesson, and its quiz or checkpoints with their attempts."""

    def change(sections: Sections) -> set[str]:
        section, lesson = find_lesson(sections, lesson_id)
        if (
            course["status"] == CourseStatus.published
            and sum(len(s["lessons"]) for s in sections) == 1
        ):
            raise errors.last_lesson()
        section["lessons"].remove(lesson)
        gone = quizzes_of_lesson(lesson)
        drop_quiz_rules(sections, gone)
        return gone

    updated, gone = await edit_structure(db=db, course=course, change=change)
    for quiz_id in gone:
        await quizzes_repo.delete_quiz(db=db, quiz_id=quiz_id)
    return await forget_quizzes(db=db, course=updated, gone=gone)


async def move(*, db: Database, course: Document, move_in: MoveIn) -> Document:
    """Moves a section, or a lesson into a section, to a position (clamped to the end)."""

    def change(sections: Sections) -> None:
        if move_in.kind == "section":
            section = find_section(sections, move_in.id)
            sections.remove(section)
            sections.insert(min(move_in.position, len(sections)), section)
            return
        source, lesson = find_lesson(sections, move_in.id)
        target = find_section(sections, move_in.section_id) if move_in.section_id else source
        source["lessons"].remove(lesson)
        target["lessons"].insert(min(move_in.position, len(target["lessons"])), lesson)

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated


async def refresh_video_details(*, db: Database, course: Document) -> Document:
    """Copies current video durations into the lessons (a video may finish after it was added)."""
    videos = await videos_of(db=db, course=course)

    def change(sections: Sections) -> None:
        for lesson in (lesson for s in sections for lesson in s["lessons"]):
            video = videos.get(lesson.get("video_id") or "")
            if video is not None:
                lesson["duration"] = video.duration

    updated, _ = await edit_structure(db=db, course=course, change=change)
    return updated
