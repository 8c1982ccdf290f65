"""The instructor's edits of a quiz: its questions (saved whole, in order, against the
version the editor read), its settings, and GIFT imports (all or nothing)."""

from __future__ import annotations

from bson import ObjectId

from coursevault.database.db import Database
from coursevault.i18n import msg
from coursevault.quizzes import errors, gift
from coursevault.quizzes import repo as quizzes_repo
from coursevault.quizzes.models import (
    MAX_QUESTIONS,
    OptionIn,
    Question,
    QuestionIn,
    QuestionType,
    Quiz,
    QuizKind,
    QuizUpdate,
)


def _new_id() -> str:
    return str(ObjectId())


def stored(question_in: QuestionIn, known: dict[str, Question]) -> Question:
    """QUESTION_IN as stored: ids kept where they name this quiz's own question and
    options (so results stay attached), new ones otherwise; `correct` as option ids."""
    before = known.get(question_in.id or "")
    own_options = {str(o.id) for o in before.options} if before else set()
    options = [
        OptionIn(id=o.id if o.id in own_options else _new_id(), text=o.text)
        for o in question_in.options
    ]
    choice = question_in.type in (QuestionType.single, QuestionType.multiple)
    return Question(
        id=before.id if before else _new_id(),
        type=question_in.type,
        stem=question_in.stem,
        points=question_in.points,
        explanation=question_in.explanation,
        options=options,
        correct=[str(options[i].id) for i in sorted(set(question_in.correct))] if choice else [],
        truth=question_in.truth,
        value=question_in.value,
        tolerance=question_in.tolerance,
        accepted=question_in.accepted,
        fuzzy=question_in.fuzzy,
        partial_credit=question_in.partial_credit,
    )


def as_input(question: Question) -> QuestionIn:
    """QUESTION as the editor sends it back (`correct` as indexes)."""
    position = {str(o.id): i for i, o in enumerate(question.options)}
    return QuestionIn.model_validate(
        question.model_dump() | {"correct": [position[c] for c in question.correct]}
    )


async def put_questions(
    *, db: Database, quiz: Quiz, version: int, questions: list[QuestionIn]
) -> Quiz:
    """Replaces the question list; 409 edit_conflict when VERSION is not the quiz's."""
    known = {q.id: q for q in quiz.questions}
    new = [stored(q, known) for q in questions]
    if len({q.id for q in new}) < len(new):
        raise errors.invalid_quiz(msg("Two questions have the same id."))
    updated = await quizzes_repo.update_quiz(
        db=db,
        quiz_id=quiz.id,
        changes={"questions": quizzes_repo.stored_questions(new)},
        expect_version=version,
    )
    if updated is None:
        raise errors.edit_conflict()
    return updated


async def import_gift(*, db: Database, quiz: Quiz, text: str) -> Quiz:
    """Appends the questions of a GIFT file; 422 invalid_gift naming the line, and nothing
    changed, when any of it cannot be read."""
    try:
        parsed = gift.parse(text)
    except gift.GiftError as exc:
        raise errors.invalid_gift(exc.line, exc.text) from None
    if len(quiz.questions) + len(parsed) > MAX_QUESTIONS:
        raise errors.invalid_quiz(
            msg("A quiz holds at most {limit} questions.", limit=MAX_QUESTIONS)
        )
    current = [as_input(q) for q in quiz.questions]
    return await put_questions(db=db, quiz=quiz, version=quiz.version, questions=current + parsed)


async def update(*, db: Database, quiz: Quiz, quiz_in: QuizUpdate) -> Quiz:
    """Title, settings, a checkpoint's second. The question list's version is not counted:
    an editor's unsaved questions stay valid across a settings save."""
    limited = quiz_in.settings is not None and quiz_in.settings.attempts is not None
    if limited and quiz.kind is QuizKind.checkpoint:
        # A learner out of attempts could never watch the rest of the video.
        raise errors.invalid_quiz(msg("A checkpoint allows unlimited attempts."))
    changes: dict[str, object] = {}
    if quiz_in.title is not None:
        changes["title"] = quiz_in.title
    if quiz_in.settings is not None:
        changes["settings"] = quiz_in.settings.model_dump(mode="json")
    if quiz_in.at is not None:
        changes["at"] = quiz_in.at
    updated = await quizzes_repo.update_quiz(
        db=db, quiz_id=quiz.id, changes=changes, count_version=False
    )
    if updated is None:
        raise errors.quiz_not_found()
    return updated
