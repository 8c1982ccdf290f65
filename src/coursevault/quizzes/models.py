"""Quiz, question, attempt and answer schemas.

A quiz is either a lesson of its own (`kind` lesson) or a checkpoint pinned to a second of a
video lesson (`kind` checkpoint, `at`). What a student may see of a question is a separate
model (`QuestionView`) with no field that could carry an answer: the answer key only leaves
the server inside a `Reveal`, and only when the quiz's reveal policy allows (Q1).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from coursevault.i18n import Msg, msg
from coursevault.text import Title

Stem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Explanation = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
OptionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)
]
Accepted = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]

MAX_QUESTIONS = 200
MAX_OPTIONS = 20


class QuestionType(StrEnum):
    single = "single"  # one option is right
    multiple = "multiple"  # one or more options are right
    true_false = "true_false"
    numeric = "numeric"  # a number within a tolerance
    short_text = "short_text"  # typed words, compared to the accepted answers
    ordering = "ordering"  # the options put in their right order


class Reveal(StrEnum):
    """When a student sees the right answers and explanations (Q1)."""

    after_each = "after_each"  # as each answer is saved (that answer is then final)
    after_pass = "after_pass"  # noqa: S105 (a policy name) in every result once the student has passed the quiz
    after_last = "after_last"  # once the student has no attempt left
    never = "never"


class QuizKind(StrEnum):
    lesson = "lesson"
    checkpoint = "checkpoint"


class OptionIn(BaseModel):
    id: Id | None = None  # kept when editing, so results stay attached; new ones get one
    text: OptionText


class QuestionIn(BaseModel):
    """One question as the instructor writes it. Per type: single/multiple name their
    right options in `correct` (indexes into `options`); ordering's right order is the
    order of `options`; true_false has `truth`; numeric `value` ± `tolerance`; short_text
    `accepted` answers (case, spaces and accents never matter; `fuzzy` forgives a typo)."""

    id: Id | None = None
    type: QuestionType
    stem: Stem  # Markdown, rendered sanitised like a lesson's text
    points: float = Field(default=1.0, gt=0, le=1_000)
    explanation: Explanation = ""
    options: list[OptionIn] = Field(default=[], max_length=MAX_OPTIONS)
    correct: list[int] = Field(default=[], max_length=MAX_OPTIONS)
    truth: bool | None = None
    value: float | None = Field(default=None, allow_inf_nan=False)
    tolerance: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    accepted: list[Accepted] = Field(default=[], max_length=50)
    fuzzy: bool = False
    partial_credit: bool = False  # multiple and ordering: a share of the points

    @model_validator(mode="after")
    def _complete(self) -> QuestionIn:
        problem = _problem(self)
        if problem:
            raise ValueError(problem)
        return self


def _problem(q: QuestionIn) -> Msg | None:
    """Why Q cannot be asked as written, or None."""
    choice = q.type in (QuestionType.single, QuestionType.multiple)
    if choice or q.type is QuestionType.ordering:
        # Two items shown in a drawn order other than the right one would give it away.
        least = 3 if q.type is QuestionType.ordering else 2
        if len(q.options) < least:
            return msg(
                "a {kind} question needs at least {least} options", kind=q.type.value, least=least
            )
        if len({o.text.casefold() for o in q.options}) < len(q.options):
            return msg("two options have the same text")
        given = [o.id for o in q.options if o.id is not None]
        if len(set(given)) < len(given):
            return msg("two options have the same id")
    if choice and any(not 0 <= i < len(q.options) for i in q.correct):
        return msg("correct names an option that does not exist")
    if q.type is QuestionType.single and len(set(q.correct)) != 1:
        return msg("a single-choice question has exactly one correct option")
    if q.type is QuestionType.multiple and not q.correct:
        return msg("a multiple-choice question needs at least one correct option")
    if q.type is QuestionType.true_false and q.truth is None:
        return msg("a true/false question needs truth")
    if q.type is QuestionType.numeric and q.value is None:
        return msg("a numeric question needs value")
    if q.type is QuestionType.short_text and not q.accepted:
        return msg("a short-text question needs at least one accepted answer")
    return None


class QuizSettings(BaseModel):
    pass_mark: int = Field(default=70, ge=0, le=100)  # percent of the points
    attempts: int | None = Field(default=None, ge=1, le=100)  # None: unlimited
    time_limit: int | None = Field(default=None, ge=30, le=24 * 3600)  # seconds
    shuffle_questions: bool = False
    shuffle_options: bool = False  # ordering questions are always shown shuffled
    reveal: Reveal = Reveal.after_pass


class QuizUpdate(BaseModel):
    title: Title | None = None
    settings: QuizSettings | None = None
    at: float | None = Field(default=None, ge=0, le=48 * 3600)  # checkpoints only


class QuestionsPut(BaseModel):
    """The whole question list, in order; VERSION is the quiz's as the editor read it."""

    version: int
    questions: list[QuestionIn] = Field(max_length=MAX_QUESTIONS)


class CheckpointCreate(BaseModel):
    at: float = Field(ge=0, le=48 * 3600)
    title: Title = "Checkpoint"


class Question(BaseModel):
    """A stored question: options carry ids, `correct` names option ids."""

    id: str
    type: QuestionType
    stem: str
    points: float
    explanation: str = ""
    options: list[OptionIn] = []
    correct: list[str] = []
    truth: bool | None = None
    value: float | None = None
    tolerance: float = 0.0
    accepted: list[str] = []
    fuzzy: bool = False
    partial_credit: bool = False


class Quiz(BaseModel):
    """A stored quiz (the instructor's view)."""

    id: str
    course_id: str
    lesson_id: str
    kind: QuizKind
    at: float | None = None
    title: str
    settings: QuizSettings
    questions: list[Question] = []
    version: int = 0
    created_at: datetime


class AnswerIn(BaseModel):
    """A student's answer: option ids (single, multiple, and ordering in the student's
    order), TRUTH, NUMBER or TEXT, by the question's type."""

    choices: list[Id] = Field(default=[], max_length=MAX_OPTIONS)
    truth: bool | None = None
    number: float | None = Field(default=None, allow_inf_nan=False)
    text: str | None = Field(default=None, max_length=500)


class OptionView(BaseModel):
    id: str
    text: str


class QuestionView(BaseModel):
    """What a student sees of a question: nothing that tells the answer."""

    id: str
    type: QuestionType
    stem_html: str
    points: float
    options: list[OptionView] = []


class RevealedAnswer(BaseModel):
    """The right answer and explanation, when the reveal policy allows."""

    question_id: str
    correct: list[str] = []
    truth: bool | None = None
    value: float | None = None
    tolerance: float | None = None
    accepted: list[str] = []
    explanation_html: str = ""


class Feedback(BaseModel):
    question_id: str
    points: float
    max_points: float
    correct: bool
    answer: RevealedAnswer | None = None  # None while the policy hides it


class AttemptState(StrEnum):
    open = "open"
    submitted = "submitted"


class Attempt(BaseModel):
    """A stored attempt."""

    id: str
    quiz_id: str
    user_id: str
    course_id: str
    lesson_id: str
    number: int
    state: AttemptState
    started_at: datetime
    deadline: datetime | None = None
    question_order: list[str]
    option_order: dict[str, list[str]] = {}
    answers: dict[str, AnswerIn] = {}
    answered_at: dict[str, datetime] = {}
    rev: int = 0  # counts saved answers: a submit grades exactly the answers it closes
    submitted_at: datetime | None = None
    expired: bool = False  # submitted after the deadline, or by the clock
    score: float | None = None
    max_score: float | None = None
    percent: float | None = None
    passed: bool | None = None
    points: dict[str, float] = {}


class AttemptView(BaseModel):
    """An attempt as its student sees it."""

    id: str
    quiz_id: str
    number: int
    state: AttemptState
    started_at: datetime
    deadline: datetime | None = None
    questions: list[QuestionView]
    answers: dict[str, AnswerIn] = {}
    submitted_at: datetime | None = None
    expired: bool = False
    score: float | None = None
    max_score: float | None = None
    percent: float | None = None
    passed: bool | None = None
    feedback: list[Feedback] = []  # per answered question, once graded or after_each


class AnswerSaved(BaseModel):
    question_id: str
    saved_at: datetime
    feedback: Feedback | None = None  # only with reveal after_each


class AttemptSummary(BaseModel):
    id: str
    number: int
    state: AttemptState
    started_at: datetime
    submitted_at: datetime | None = None
    percent: float | None = None
    passed: bool | None = None


class QuizView(BaseModel):
    """A quiz as a student sees it before and between attempts."""

    id: str
    lesson_id: str
    kind: QuizKind
    at: float | None = None
    title: str
    pass_mark: int
    attempts_allowed: int | None
    attempts_used: int
    time_limit: int | None
    reveal: Reveal
    question_count: int
    max_score: float
    passed: bool
    best_percent: float | None = None
    open_attempt: str | None = None
    attempts: list[AttemptSummary] = []


class QuizResult(BaseModel):
    """One student's standing on one quiz (stored once per student and quiz)."""

    user_id: str
    quiz_id: str
    course_id: str
    lesson_id: str
    attempts_used: int = 0
    best_percent: float | None = None
    passed: bool = False
    passed_at: datetime | None = None


class QuizEdit(BaseModel):
    """A quiz as its instructor edits it, answers included."""

    id: str
    course_id: str
    lesson_id: str
    kind: QuizKind
    at: float | None = None
    title: str
    settings: QuizSettings
    version: int
    questions: list[QuestionIn]


class GiftImport(BaseModel):
    """The text of a Moodle GIFT file; its questions are added after the quiz's own."""

    text: str = Field(max_length=1_000_000)
