"""Course, section, lesson and catalog schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from coursevault.captions.models import CaptionLanguage
from coursevault.courses.chapters import Chapter
from coursevault.progress.models import ResumePoint
from coursevault.text import Title

Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Markdown = Annotated[str, StringConstraints(max_length=200_000)]
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z]{3}$")
]


class CourseStatus(StrEnum):
    draft = "draft"
    published = "published"


class LimitBehavior(StrEnum):
    """What happens when a viewer starts one stream more than the course allows (K4)."""

    refuse_new = "refuse_new"  # the newest start gets 409 stream_limit (default)
    evict_oldest = "evict_oldest"  # the oldest live session ends; the new one starts


class LessonKind(StrEnum):
    video = "video"
    text = "text"
    quiz = "quiz"  # the lesson is a quiz (`quiz_id`); complete once passed


class Price(BaseModel):
    """Money as integer minor units (cents) and an ISO 4217 currency; 0 = free."""

    amount: int = Field(ge=0, le=100_000_000)
    currency: Currency = "usd"


class KeyProtection(StrEnum):
    """How the key endpoint hands out content keys (docs/security.md, K6)."""

    session = "session"  # wrapped for the playback session; only our player unwraps it
    standard = "standard"  # plain AES-128 keys: any HLS player (Safari, VLC, ffmpeg) plays


class UnmarkedStart(StrEnum):
    """What a playback start of a watermarked course does while the lesson's video has no
    forensic variants yet, e.g. during the re-package the policy queued (docs/security.md,
    F7)."""

    wait = "wait"  # 409 protected_copy_pending with the re-package's progress (default)
    play_unmarked = "play_unmarked"  # the plain stream, the session recorded as unmarked


class PlaybackPolicy(BaseModel):
    """A course's limits; None takes the site-wide default."""

    max_concurrent_streams: int | None = Field(default=None, ge=1, le=20)
    limit_behavior: LimitBehavior | None = None
    max_plays_per_lesson: int | None = Field(default=None, ge=1, le=10_000)
    key_protection: KeyProtection = KeyProtection.session
    # Each session of this course's watermarked videos gets its own A/B segment sequence,
    # so a leaked copy names the session (docs/security.md, F1-F4). Turning it on queues
    # the forensic variants of the course's videos.
    forensic_watermark: bool = False
    unmarked_start: UnmarkedStart = UnmarkedStart.wait
    # The instructor and admins, and viewers of a preview lesson, watch past checkpoints
    # without answering (Q3).
    checkpoints_exempt: bool = True


class PassRule(StrEnum):
    none = "none"  # completing the lessons (and required quizzes) is enough
    average = "average"  # and the average of the best quiz scores reaches pass_mark
    every = "every"  # and every quiz of the course is passed


class CompletionRule(BaseModel):
    """What completes the course, for its certificate (Q4)."""

    video_share: int = Field(default=90, ge=10, le=100)  # percent of a video watched
    lessons: list[str] | None = Field(default=None, max_length=2_000)  # None: every lesson
    required_quizzes: list[str] | None = Field(default=None, max_length=2_000)  # None: none
    pass_rule: PassRule = PassRule.none
    pass_mark: int = Field(default=70, ge=0, le=100)  # for pass_rule average
    show_score: bool = True  # the certificate prints the average score


class Release(BaseModel):
    """When a lesson opens (drip): AFTER_DAYS after enrollment, or ON a date; neither = at
    once. Sent empty (`{}`) it clears an earlier rule."""

    after_days: int | None = Field(default=None, ge=0, le=3650)
    on: datetime | None = None
    after_quiz: str | None = Field(default=None, max_length=64)  # opens once it is passed

    @model_validator(mode="after")
    def _one_rule(self) -> Release:
        if sum(rule is not None for rule in (self.after_days, self.on, self.after_quiz)) > 1:
            raise ValueError("give one of after_days, on or after_quiz")
        if self.on is not None and self.on.tzinfo is None:
            raise ValueError("on needs a time zone, e.g. 2026-12-24T09:00:00Z")
        return self


class CourseCreate(BaseModel):
    title: Title
    description: Description = ""  # Markdown, rendered sanitised like lessons (U6)
    outcomes: Description = ""  # "what you will learn", Markdown
    price: Price = Price(amount=0)
    policy: PlaybackPolicy = PlaybackPolicy()
    completion: CompletionRule = CompletionRule()


class CourseUpdate(BaseModel):
    title: Title | None = None
    description: Description | None = None
    outcomes: Description | None = None
    price: Price | None = None
    policy: PlaybackPolicy | None = None
    completion: CompletionRule | None = None


class SectionCreate(BaseModel):
    title: Title
    release: Release | None = None  # drip for every lesson of the section without its own


class SectionUpdate(BaseModel):
    title: Title | None = None
    release: Release | None = None  # `{}` clears it


class LessonCreate(BaseModel):
    title: Title
    kind: LessonKind
    video_id: str | None = Field(default=None, max_length=64)
    body: Markdown = ""
    preview: bool = False
    # Video lessons: one `mm:ss Title` line per chapter (courses/chapters.py).
    chapters: str = Field(default="", max_length=20_000)
    release: Release | None = None

    @model_validator(mode="after")
    def _video_lessons_name_a_video(self) -> LessonCreate:
        if self.kind is LessonKind.video and not self.video_id:
            raise ValueError("a video lesson needs a video_id")
        return self


class LessonUpdate(BaseModel):
    title: Title | None = None
    video_id: str | None = Field(default=None, max_length=64)
    body: Markdown | None = None
    preview: bool | None = None
    chapters: str | None = Field(default=None, max_length=20_000)
    release: Release | None = None  # `{}` clears it


class MoveIn(BaseModel):
    """Moves a section, or a lesson (optionally into another section), to POSITION."""

    kind: Literal["section", "lesson"]
    id: str
    position: int = Field(ge=0)
    section_id: str | None = None


class CheckpointRef(BaseModel):
    """A checkpoint of a video lesson: the quiz to pass to watch past AT seconds."""

    id: str
    at: float


class LessonRead(BaseModel):
    id: str
    title: str
    kind: LessonKind
    preview: bool
    duration: float | None = None
    video_id: str | None = None  # only in the instructor's view
    video_status: str | None = None  # only in the instructor's view
    # Only in the instructor's view, as the video's `forensic_watermark` and
    # `forensic_progress`: its forensic variants are published; how far their encode is.
    video_forensic_watermark: bool | None = None
    video_forensic_progress: float | None = None
    body: str | None = None  # Markdown source, only in the instructor's view
    chapters: list[Chapter] = []
    release: Release | None = None  # the lesson's own rule
    opens_at: datetime | None = None  # for an enrolled student: when it opens, if later
    # For an enrolled student: the quiz to pass before the lesson opens (drip after_quiz).
    after_quiz: str | None = None
    quiz_id: str | None = None  # quiz lessons
    checkpoints: list[CheckpointRef] = []  # video lessons


class SectionRead(BaseModel):
    id: str
    title: str
    lessons: list[LessonRead]
    release: Release | None = None


class CourseSummary(BaseModel):
    id: str
    slug: str
    title: str
    description: str
    price: Price
    status: CourseStatus
    instructor_name: str
    lesson_count: int
    duration: float
    # The uploaded cover, else the poster of the first video lesson, else none.
    cover_url: str | None = None


class CourseRead(CourseSummary):
    """The outline: sources and video ids are only filled in for those who may edit."""

    description_html: str = ""  # the description's Markdown as sanitised HTML
    outcomes: str = ""  # Markdown source of "what you will learn"
    outcomes_html: str = ""
    instructor_bio: str = ""

    instructor_id: str
    policy: PlaybackPolicy
    completion: CompletionRule = CompletionRule()
    # Only in the instructor's view: every session is marked, i.e. the policy asks for the
    # watermark and every video lesson's video has its variants (F7).
    forensic_watermark: bool | None = None
    sections: list[SectionRead]
    created_at: datetime
    published_at: datetime | None
    enrolled: bool = False
    can_edit: bool = False


class CoursePage(BaseModel):
    items: list[CourseSummary]
    total: int
    page: int
    per_page: int


class LessonContent(BaseModel):
    """What a viewer with access gets for one lesson; text is sanitized HTML (U6)."""

    id: str
    course_id: str
    title: str
    kind: LessonKind
    body_html: str | None
    duration: float | None
    position: float
    completed: bool
    chapters: list[Chapter] = []
    captions: list[CaptionLanguage] = []  # languages of the video's captions
    quiz_id: str | None = None  # quiz lessons
    checkpoints: list[CheckpointRef] = []  # video lessons: where the player stops to ask


class MyCourse(BaseModel):
    course: CourseSummary
    percent: float
    resume: ResumePoint | None


class MyCoursePage(BaseModel):
    items: list[MyCourse]


class CourseChange(BaseModel):
    """The id of what was created, and the course as it is now."""

    id: str
    course: CourseRead
