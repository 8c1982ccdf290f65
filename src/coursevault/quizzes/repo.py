"""The only code that touches `quizzes`, `quiz_attempts` and `quiz_results`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from coursevault import clock
from coursevault.database.db import Database, Document, pair_id, upsert
from coursevault.quizzes.models import (
    AnswerIn,
    Attempt,
    AttemptState,
    Question,
    Quiz,
    QuizKind,
    QuizResult,
    QuizSettings,
)
from coursevault.ttl_cache import TtlCache


async def create_indexes(db: Database) -> None:
    """Creates this feature's indexes (listed in `coursevault.repos`)."""
    await db.quizzes.create_index([("course_id", ASCENDING)])
    await db.quiz_attempts.create_index(
        [("quiz_id", ASCENDING), ("user_id", ASCENDING), ("number", ASCENDING)], unique=True
    )
    await db.quiz_results.create_index([("quiz_id", ASCENDING)])
    await db.quiz_results.create_index([("user_id", ASCENDING), ("course_id", ASCENDING)])


def _from_doc[M: (Quiz, Attempt, QuizResult)](model: type[M], doc: Document) -> M:
    return model.model_validate({**doc, "id": doc["_id"]})


# --- quizzes -------------------------------------------------------------------------


async def create_quiz(
    *,
    db: Database,
    course_id: str,
    lesson_id: str,
    kind: QuizKind,
    title: str,
    at: float | None = None,
    settings: QuizSettings | None = None,
) -> Quiz:
    doc: Document = {
        "_id": str(ObjectId()),
        "course_id": course_id,
        "lesson_id": lesson_id,
        "kind": kind.value,
        "at": at,
        "title": title,
        "settings": (settings or QuizSettings()).model_dump(mode="json"),
        "questions": [],
        "version": 0,
        "created_at": clock.now(),
    }
    await db.quizzes.insert_one(doc)
    return _from_doc(Quiz, doc)


async def get_quiz(*, db: Database, quiz_id: str) -> Quiz | None:
    doc = await db.quizzes.find_one({"_id": quiz_id})
    return _from_doc(Quiz, doc) if doc else None


async def quizzes_of_course(*, db: Database, course_id: str) -> list[Quiz]:
    return [_from_doc(Quiz, d) async for d in db.quizzes.find({"course_id": course_id})]


async def update_quiz(
    *,
    db: Database,
    quiz_id: str,
    changes: dict[str, Any],
    expect_version: int | None = None,
    count_version: bool = True,
) -> Quiz | None:
    """Applies CHANGES (counting a version of the questions unless COUNT_VERSION is
    false); None when the quiz is gone or (with EXPECT_VERSION) another editor saved
    first."""
    key: Document = {"_id": quiz_id}
    if expect_version is not None:
        key["version"] = expect_version
    if not changes and not count_version:
        return await get_quiz(db=db, quiz_id=quiz_id)
    update: Document = {"$set": changes} if changes else {}
    if count_version:
        update["$inc"] = {"version": 1}
    doc = await db.quizzes.find_one_and_update(key, update, return_document=ReturnDocument.AFTER)
    return _from_doc(Quiz, doc) if doc else None


def stored_questions(questions: list[Question]) -> list[Document]:
    return [q.model_dump(mode="json") for q in questions]


async def delete_quiz(*, db: Database, quiz_id: str) -> None:
    await db.quizzes.delete_one({"_id": quiz_id})
    await db.quiz_attempts.delete_many({"quiz_id": quiz_id})
    await db.quiz_results.delete_many({"quiz_id": quiz_id})


async def delete_for_course(*, db: Database, course_id: str) -> None:
    for quiz in await quizzes_of_course(db=db, course_id=course_id):
        await delete_quiz(db=db, quiz_id=quiz.id)


# --- attempts ------------------------------------------------------------------------


async def insert_attempt(*, db: Database, attempt: Attempt) -> bool:
    """Stores a new attempt; False when another request took its number first."""
    doc = attempt.model_dump(mode="python", exclude={"id"}) | {"_id": attempt.id}
    result = await db.quiz_attempts.update_one(
        {"quiz_id": attempt.quiz_id, "user_id": attempt.user_id, "number": attempt.number},
        {"$setOnInsert": doc},
        upsert=True,
    )
    return result.upserted_id is not None


async def get_attempt(*, db: Database, attempt_id: str) -> Attempt | None:
    doc = await db.quiz_attempts.find_one({"_id": attempt_id})
    return _from_doc(Attempt, doc) if doc else None


async def attempts_of(*, db: Database, quiz_id: str, user_id: str) -> list[Attempt]:
    cursor = db.quiz_attempts.find({"quiz_id": quiz_id, "user_id": user_id})
    return sorted([_from_doc(Attempt, d) async for d in cursor], key=lambda a: a.number)


async def overdue(*, db: Database, quiz_id: str, now: datetime) -> list[Attempt]:
    """QUIZ_ID's attempts still open past their deadline (their students left)."""
    cursor = db.quiz_attempts.find(
        {"quiz_id": quiz_id, "state": AttemptState.open.value, "deadline": {"$lt": now}}
    )
    return [_from_doc(Attempt, d) async for d in cursor]


async def attempts_of_quiz(*, db: Database, quiz_id: str) -> list[Attempt]:
    cursor = db.quiz_attempts.find({"quiz_id": quiz_id, "state": AttemptState.submitted.value})
    return [_from_doc(Attempt, d) async for d in cursor.sort("submitted_at", DESCENDING)]


async def save_answer(
    *,
    db: Database,
    attempt_id: str,
    question_id: str,
    answer: AnswerIn,
    now: datetime,
    first_only: bool,
) -> bool:
    """Stores ANSWER while the attempt is open (with FIRST_ONLY, only if the question has
    no answer yet); False when it no longer may."""
    key: Document = {"_id": attempt_id, "state": AttemptState.open.value}
    if first_only:
        key[f"answers.{question_id}"] = {"$exists": False}
    result = await db.quiz_attempts.update_one(
        key,
        {
            "$set": {
                f"answers.{question_id}": answer.model_dump(mode="python"),
                f"answered_at.{question_id}": now,
            },
            "$inc": {"rev": 1},
        },
    )
    return result.matched_count == 1


async def close_attempt(
    *, db: Database, attempt_id: str, rev: int, graded: dict[str, Any]
) -> tuple[Attempt | None, bool]:
    """Marks the attempt submitted with its grades if it is still open with the answers
    (REV) they were computed from; returns the attempt as stored and whether this call
    closed it (a second submit, or an answer saved meanwhile, changes nothing)."""
    doc = await db.quiz_attempts.find_one_and_update(
        {"_id": attempt_id, "state": AttemptState.open.value, "rev": rev},
        {"$set": {**graded, "state": AttemptState.submitted.value}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is not None:
        return _from_doc(Attempt, doc), True
    return await get_attempt(db=db, attempt_id=attempt_id), False


# --- results (one per student and quiz) ----------------------------------------------

_passes: TtlCache[tuple[str, tuple[str, ...]], frozenset[str]] = TtlCache(
    "quizzes.passes", max_items=100_000
)
# Each account's keys in `_passes`, so a pass forgets them without scanning the cache.
_asked: dict[str, set[tuple[str, ...]]] = {}


async def record_result(
    *, db: Database, quiz: Quiz, user_id: str, percent: float, passed: bool
) -> QuizResult:
    """Counts a submitted attempt into the student's standing: best percent, passed once
    passed (a later worse attempt never un-passes)."""
    now = clock.now()
    doc = await upsert(
        db.quiz_results,
        {"_id": pair_id(user_id, quiz.id)},
        [
            {
                "$set": {
                    "user_id": user_id,
                    "quiz_id": quiz.id,
                    "course_id": quiz.course_id,
                    "lesson_id": quiz.lesson_id,
                    "attempts_used": {"$add": [{"$ifNull": ["$attempts_used", 0]}, 1]},
                    "best_percent": {"$max": [{"$ifNull": ["$best_percent", 0]}, percent]},
                    "passed": {"$or": [{"$ifNull": ["$passed", False]}, passed]},
                    "passed_at": {
                        "$ifNull": ["$passed_at", now if passed else None],
                    },
                }
            }
        ],
    )
    for quizzes in _asked.pop(user_id, set()):
        _passes.forget((user_id, quizzes))
    return _from_doc(QuizResult, doc)


async def get_result(*, db: Database, user_id: str, quiz_id: str) -> QuizResult | None:
    doc = await db.quiz_results.find_one({"_id": pair_id(user_id, quiz_id)})
    return _from_doc(QuizResult, doc) if doc else None


async def results_of_quiz(*, db: Database, quiz_id: str) -> list[QuizResult]:
    return [_from_doc(QuizResult, d) async for d in db.quiz_results.find({"quiz_id": quiz_id})]


async def results_of_user(*, db: Database, user_id: str, course_id: str) -> list[QuizResult]:
    cursor = db.quiz_results.find({"user_id": user_id, "course_id": course_id})
    return [_from_doc(QuizResult, d) async for d in cursor]


async def passed(
    *, db: Database, user_id: str, quiz_ids: list[str], max_age: float = 0.0
) -> frozenset[str]:
    """Which of QUIZ_IDS USER_ID has passed; read by `_id` (the key check asks this for a
    lesson's checkpoints), as read at most MAX_AGE seconds ago."""
    if not quiz_ids:
        return frozenset()
    key = (user_id, tuple(sorted(quiz_ids)))
    if len(_asked) > 100_000:
        _asked.clear()  # entries it named age out of `_passes` on their own
    _asked.setdefault(user_id, set()).add(key[1])

    async def load() -> frozenset[str]:
        ids = [pair_id(user_id, quiz_id) for quiz_id in key[1]]
        cursor = db.quiz_results.find({"_id": {"$in": ids}, "passed": True}, {"quiz_id": 1})
        return frozenset([d["quiz_id"] async for d in cursor])

    found = await _passes.get_or_load(key, max_age, load)
    return found if found is not None else frozenset()
