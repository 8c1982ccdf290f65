"""Quizzes over HTTP (Q1, Q2): every question type graded on the server, answers saved as
the learner goes, one submit, attempts and time limits, nothing of the answer key in any
student-facing answer before the reveal policy allows, and every bad input refused."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import httpx
import pytest

from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, Clock, make_course
from tests.factories import SignedIn, error_code, signed_in
from tests.quiz_helpers import (
    SECRET_ACCEPTED,
    SECRET_EXPLANATION,
    add_quiz_lesson,
    answer_all,
    every_type,
    put_questions,
    right_answers,
    set_quiz,
)


@pytest.fixture
async def course(db: Database, instructor: SignedIn) -> BuiltCourse:
    return await make_course(db, instructor.user)


@pytest.fixture
async def quiz_id(client: httpx.AsyncClient, instructor: SignedIn, course: BuiltCourse) -> str:
    _, quiz = await add_quiz_lesson(client, instructor, course.id)
    await put_questions(client, instructor, quiz, every_type())
    return quiz


@pytest.fixture
async def student(
    client: httpx.AsyncClient, db: Database, settings: Settings, course: BuiltCourse
) -> SignedIn:
    who = await signed_in(client, db, settings)
    enrolled = await client.post(f"/api/courses/{course.id}/enroll", headers=who.bearer)
    assert enrolled.status_code == 201
    return who


async def start(client: httpx.AsyncClient, who: SignedIn, quiz_id: str) -> httpx.Response:
    return await client.post(f"/api/quizzes/{quiz_id}/attempts", headers=who.bearer)


async def teacher_view(client: httpx.AsyncClient, who: SignedIn, quiz_id: str) -> dict[str, Any]:
    body: dict[str, Any] = (
        await client.get(f"/api/quizzes/{quiz_id}/edit", headers=who.bearer)
    ).json()
    return body


async def test_every_type_is_graded_on_the_server_with_partial_credit(
    client: httpx.AsyncClient, instructor: SignedIn, quiz_id: str, student: SignedIn
) -> None:
    quiz = await teacher_view(client, instructor, quiz_id)
    attempt = (await start(client, student, quiz_id)).json()
    right = right_answers(quiz, attempt)
    by_type = {q["type"]: q for q in quiz["questions"]}
    multiple = by_type["multiple"]
    # Two of the three primes and one wrong pick: (2 - 1) / 3 of 3 points.
    ids = [o["id"] for o in multiple["options"]]
    right[multiple["id"]] = {"choices": [ids[0], ids[1], ids[2]]}
    # A typo and other case and accents: fuzzy accepts it.
    right[by_type["short_text"]["id"]] = {"text": "  PHOTOSYNTHÉSIS  ".replace("SYN", "SIN")}
    right[by_type["numeric"]["id"]] = {"number": 3.149}
    await answer_all(client, student, attempt["id"], right)
    done = (
        await client.post(f"/api/attempts/{attempt['id']}/submit", headers=student.bearer)
    ).json()
    assert done["max_score"] == 8.0
    assert done["score"] == pytest.approx(6.0)  # 1 + 1 (of 3) + 1 + 1 + 1 + 1
    assert done["percent"] == pytest.approx(75.0) and done["passed"] is True


async def test_answers_survive_a_reload_and_the_order_stays_the_same(
    client: httpx.AsyncClient, instructor: SignedIn, quiz_id: str, student: SignedIn
) -> None:
    await set_quiz(client, instructor, quiz_id, shuffle_questions=True, shuffle_options=True)
    first = await start(client, student, quiz_id)
    assert first.status_code == 201
    attempt = first.json()
    quiz = await teacher_view(client, instructor, quiz_id)
    some = dict(list(right_answers(quiz, attempt).items())[:3])
    await answer_all(client, student, attempt["id"], some)

    again = await start(client, student, quiz_id)  # a reload: the same open attempt
    assert again.status_code == 200 and again.json()["id"] == attempt["id"]
    reread = (await client.get(f"/api/attempts/{attempt['id']}", headers=student.bearer)).json()
    for view in (again.json(), reread):
        assert [q["id"] for q in view["questions"]] == [q["id"] for q in attempt["questions"]]
        assert [[o["id"] for o in q["options"]] for q in view["questions"]] == [
            [o["id"] for o in q["options"]] for q in attempt["questions"]
        ]
        assert {
            q: {k: v for k, v in a.items() if v not in (None, [])}
            for q, a in view["answers"].items()
        } == some
    ordering = next(q for q in attempt["questions"] if q["type"] == "ordering")
    right_order = next(q for q in quiz["questions"] if q["type"] == "ordering")["options"]
    assert [o["id"] for o in ordering["options"]] != [o["id"] for o in right_order]


async def test_a_submit_counts_once_and_attempts_are_limited(
    client: httpx.AsyncClient, instructor: SignedIn, quiz_id: str, student: SignedIn, db: Database
) -> None:
    await set_quiz(client, instructor, quiz_id, attempts=2)
    for number in (1, 2):
        attempt = (await start(client, student, quiz_id)).json()
        assert attempt["number"] == number
        url = f"/api/attempts/{attempt['id']}/submit"
        first = await client.post(url, headers=student.bearer)
        second = await client.post(url, headers=student.bearer)
        assert first.json() == second.json() and first.json()["score"] == 0
    refused = await start(client, student, quiz_id)
    assert refused.status_code == 409 and error_code(refused) == "no_attempts_left"
    result = await db.quiz_results.find_one({"user_id": student.user.id})
    assert result is not None and result["attempts_used"] == 2
    assert await db.quiz_attempts.count_documents({"user_id": student.user.id}) == 2
    view = (await client.get(f"/api/quizzes/{quiz_id}", headers=student.bearer)).json()
    assert view["attempts_used"] == 2 and view["attempts_allowed"] == 2


async def test_the_time_limit_is_the_servers(
    client: httpx.AsyncClient,
    instructor: SignedIn,
    quiz_id: str,
    student: SignedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await set_quiz(client, instructor, quiz_id, time_limit=60)
    quiz = await teacher_view(client, instructor, quiz_id)
    clock = Clock(monkeypatch)
    attempt = (await start(client, student, quiz_id)).json()
    assert attempt["deadline"] is not None
    answers = list(right_answers(quiz, attempt).items())
    await answer_all(client, student, attempt["id"], dict(answers[:1]))
    clock.advance(61)
    late = await client.put(
        f"/api/attempts/{attempt['id']}/answers/{answers[1][0]}",
        json=answers[1][1],
        headers=student.bearer,
    )
    assert late.status_code == 409 and error_code(late) == "attempt_expired"
    graded = (await client.get(f"/api/attempts/{attempt['id']}", headers=student.bearer)).json()
    assert graded["state"] == "submitted" and graded["expired"] is True
    assert answers[1][0] not in graded["answers"]  # the late answer was not kept
    assert graded["score"] == next(
        q["points"] for q in quiz["questions"] if q["id"] == answers[0][0]
    )


_KEY_FIELDS = ("correct", "truth", "accepted", "explanation", "answer", "value")


def _leaks(body: Any, path: str = "") -> list[str]:
    """Every place in a JSON answer where an answer key, accepted answer or explanation is."""
    found = []
    text = json.dumps(body)
    for secret in (SECRET_EXPLANATION, SECRET_ACCEPTED):
        if secret.lower() in text.lower():
            found.append(f"{path}: {secret}")
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "answers":
                continue  # the student's own answers, as they gave them
            if key in _KEY_FIELDS and value not in (None, [], ""):
                found.append(f"{path}.{key}")
            found += _leaks(value, f"{path}.{key}") if isinstance(value, dict | list) else []
    elif isinstance(body, list):
        for i, item in enumerate(body):
            found += _leaks(item, f"{path}[{i}]")
    return found


def _wrong_answer(question: dict[str, Any]) -> dict[str, Any]:
    options = [o["id"] for o in question["options"]]
    kind = question["type"]
    if kind == "single":
        return {"choices": options[:1]}
    if kind == "multiple":
        return {"choices": options[2:3]}
    if kind == "ordering":
        return {"choices": options[::-1]}
    others: dict[str, dict[str, Any]] = {"true_false": {"truth": False}, "numeric": {"number": 2}}
    return others.get(kind, {"text": "chlorophyll"})


async def _student_answers(
    client: httpx.AsyncClient, student: SignedIn, course: BuiltCourse, quiz_id: str, lesson_id: str
) -> list[tuple[str, Any]]:
    """Every student-facing answer about the quiz, from a wrong attempt to its result."""
    seen: list[tuple[str, Any]] = []

    async def get(url: str) -> Any:
        response = await client.get(url, headers=student.bearer)
        seen.append((url, response.json()))
        return response.json()

    await get(f"/api/courses/{course.id}")
    await get(f"/api/lessons/{lesson_id}")
    await get(f"/api/quizzes/{quiz_id}")
    attempt = (await start(client, student, quiz_id)).json()
    seen.append(("start", attempt))
    for question in attempt["questions"]:
        wrong = _wrong_answer(question)
        saved = await client.put(
            f"/api/attempts/{attempt['id']}/answers/{question['id']}",
            json=wrong,
            headers=student.bearer,
        )
        seen.append(("answer", saved.json()))
    await get(f"/api/attempts/{attempt['id']}")
    submitted = await client.post(f"/api/attempts/{attempt['id']}/submit", headers=student.bearer)
    seen.append(("submit", submitted.json()))
    await get(f"/api/quizzes/{quiz_id}")
    await get(f"/api/courses/{course.id}/standing")
    return seen


@pytest.mark.parametrize("reveal", ["after_pass", "after_last", "never"])
async def test_Q1_no_answer_key_reaches_a_student_before_the_policy_allows(
    client: httpx.AsyncClient,
    instructor: SignedIn,
    course: BuiltCourse,
    student: SignedIn,
    reveal: str,
) -> None:
    lesson_id, quiz_id = await add_quiz_lesson(client, instructor, course.id)
    await put_questions(client, instructor, quiz_id, every_type())
    await set_quiz(client, instructor, quiz_id, reveal=reveal, attempts=2)
    seen = await _student_answers(client, student, course, quiz_id, lesson_id)
    leaks = [leak for url, body in seen for leak in _leaks(body, url)]
    assert seen and leaks == []
    if reveal == "after_last":  # the second and last attempt: now it is shown
        attempt = (await start(client, student, quiz_id)).json()
        done = await client.post(f"/api/attempts/{attempt['id']}/submit", headers=student.bearer)
        assert SECRET_EXPLANATION in json.dumps(done.json())


async def test_Q1_after_each_shows_an_answer_once_it_is_saved_and_locks_it(
    client: httpx.AsyncClient, instructor: SignedIn, quiz_id: str, student: SignedIn
) -> None:
    await set_quiz(client, instructor, quiz_id, reveal="after_each")
    quiz = await teacher_view(client, instructor, quiz_id)
    attempt = (await start(client, student, quiz_id)).json()
    assert not _leaks(attempt)
    single = next(q for q in quiz["questions"] if q["type"] == "single")
    wrong = {"choices": [single["options"][0]["id"]]}
    url = f"/api/attempts/{attempt['id']}/answers/{single['id']}"
    saved = (await client.put(url, json=wrong, headers=student.bearer)).json()
    assert saved["feedback"]["correct"] is False
    assert saved["feedback"]["answer"]["correct"] == [single["options"][1]["id"]]
    assert SECRET_EXPLANATION in saved["feedback"]["answer"]["explanation_html"]
    again = await client.put(
        url, json={"choices": [single["options"][1]["id"]]}, headers=student.bearer
    )
    assert again.status_code == 409 and error_code(again) == "answer_locked"


async def test_bad_answers_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    course: BuiltCourse,
    quiz_id: str,
    student: SignedIn,
) -> None:
    attempt = (await start(client, student, quiz_id)).json()
    single = next(q for q in attempt["questions"] if q["type"] == "single")
    url = f"/api/attempts/{attempt['id']}/answers/{single['id']}"
    cases = [
        ({"choices": ["forged"]}, 422, "invalid_answer"),
        ({"choices": [o["id"] for o in single["options"][:2]]}, 422, "invalid_answer"),
        ({"truth": True}, 422, "invalid_answer"),
        ({"text": "x" * 501}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        refused = await client.put(url, json=body, headers=student.bearer)
        assert refused.status_code != 200, (body, refused.text)
        assert (refused.status_code, error_code(refused)) == (status, code), body
    forged = await client.put(
        f"/api/attempts/{attempt['id']}/answers/nope", json={"truth": True}, headers=student.bearer
    )
    assert forged.status_code == 404 and error_code(forged) == "question_not_found"
    huge = await client.put(
        url,
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={**student.bearer, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413

    other = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=other.bearer)
    ).status_code == 201
    theirs = await client.put(url, json={"choices": []}, headers=other.bearer)
    assert theirs.status_code == 404 and error_code(theirs) == "attempt_not_found"
    peek = await client.get(f"/api/attempts/{attempt['id']}", headers=other.bearer)
    assert peek.status_code == 404
    stored = await db.quiz_attempts.find_one({"_id": attempt["id"]})
    assert stored is not None and stored["answers"] == {}

    await client.post(f"/api/attempts/{attempt['id']}/submit", headers=student.bearer)
    closed = await client.put(url, json={"choices": []}, headers=student.bearer)
    assert closed.status_code == 409 and error_code(closed) == "attempt_closed"

    outsider = await signed_in(client, db, settings)
    for response in (
        await client.get(f"/api/quizzes/{quiz_id}", headers=outsider.bearer),
        await start(client, outsider, quiz_id),
    ):
        assert response.status_code == 403 and error_code(response) == "not_enrolled"
    editing = await client.get(f"/api/quizzes/{quiz_id}/edit", headers=student.bearer)
    assert editing.status_code == 403


async def test_gift_import_adds_questions_or_names_the_bad_line_and_changes_nothing(
    client: httpx.AsyncClient, instructor: SignedIn, course: BuiltCourse, student: SignedIn
) -> None:
    _, quiz_id = await add_quiz_lesson(client, instructor, course.id)
    gift = (
        "// a comment\n"
        "::Q1:: What is 2+2? {=4 ~3 ~5}\n\n"
        "The sun is a star. {T}\n\n"
        "<script>alert(1)</script> Name a primary colour. {=red =blue =yellow}\n"
    )
    url = f"/api/quizzes/{quiz_id}/import"
    imported = await client.post(url, json={"text": gift}, headers=instructor.bearer)
    assert imported.status_code == 200, imported.text
    assert [q["type"] for q in imported.json()["questions"]] == [
        "single",
        "true_false",
        "short_text",
    ]
    before = imported.json()

    broken = "What? {=yes ~no}\n\nUnclosed {=a ~b\n"
    refused = await client.post(url, json={"text": broken}, headers=instructor.bearer)
    assert refused.status_code == 422 and error_code(refused) == "invalid_gift"
    assert refused.json()["error"]["detail"]["line"] == 3
    assert "Line 3" in refused.json()["error"]["message"]
    assert await teacher_view(client, instructor, quiz_id) == before

    attempt = (await start(client, student, quiz_id)).json()
    shown = json.dumps(attempt["questions"])
    assert "<script>" not in shown and "&lt;script&gt;" in shown


async def test_results_name_the_most_common_wrong_answer_and_export_csv(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    course: BuiltCourse,
    quiz_id: str,
) -> None:
    quiz = await teacher_view(client, instructor, quiz_id)
    tf = next(q for q in quiz["questions"] if q["type"] == "true_false")
    for truth in (False, False, True):
        who = await signed_in(client, db, settings)
        await client.post(f"/api/courses/{course.id}/enroll", headers=who.bearer)
        attempt = (await start(client, who, quiz_id)).json()
        await answer_all(client, who, attempt["id"], {tf["id"]: {"truth": truth}})
        await client.post(f"/api/attempts/{attempt['id']}/submit", headers=who.bearer)
    results = (
        await client.get(f"/api/quizzes/{quiz_id}/results", headers=instructor.bearer)
    ).json()
    stats = next(q for q in results["questions"] if q["question_id"] == tf["id"])
    assert stats["answered"] == 3 and stats["right_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert (stats["common_wrong"], stats["common_wrong_count"]) == ("false", 2)
    assert len(results["students"]) == 3
    exported = await client.get(f"/api/quizzes/{quiz_id}/results.csv", headers=instructor.bearer)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:3] == ["name", "email", "attempt"] and len(rows) == 4


async def test_a_course_with_an_empty_quiz_cannot_be_published(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn
) -> None:
    draft = await make_course(db, instructor.user, publish=False)
    _, quiz_id = await add_quiz_lesson(client, instructor, draft.id)
    refused = await client.post(f"/api/courses/{draft.id}/publish", headers=instructor.bearer)
    assert refused.status_code == 409 and error_code(refused) == "cannot_publish"
    assert "has no question" in refused.text
    await put_questions(client, instructor, quiz_id, every_type()[:1])
    published = await client.post(f"/api/courses/{draft.id}/publish", headers=instructor.bearer)
    assert published.status_code == 200, published.text


async def test_Q4_a_quiz_lesson_completes_only_by_a_pass_even_one_the_clock_submitted(
    client: httpx.AsyncClient,
    instructor: SignedIn,
    course: BuiltCourse,
    student: SignedIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lesson_id, quiz_id = await add_quiz_lesson(client, instructor, course.id)
    await put_questions(client, instructor, quiz_id, every_type()[2:3])  # one true/false
    await set_quiz(client, instructor, quiz_id, time_limit=60)
    forged = await client.put(
        f"/api/lessons/{lesson_id}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    assert forged.status_code == 409 and error_code(forged) == "completion_needs_passing"
    lesson_url = f"/api/lessons/{lesson_id}"
    assert (await client.get(lesson_url, headers=student.bearer)).json()["completed"] is False

    clock = Clock(monkeypatch)
    quiz = await teacher_view(client, instructor, quiz_id)
    attempt = (await start(client, student, quiz_id)).json()
    await answer_all(client, student, attempt["id"], right_answers(quiz, attempt))
    clock.advance(120)  # the learner closed the tab; the clock submits the attempt
    view = (await client.get(f"/api/quizzes/{quiz_id}", headers=student.bearer)).json()
    assert view["passed"] is True and view["open_attempt"] is None
    assert (await client.get(lesson_url, headers=student.bearer)).json()["completed"] is True


async def test_Q2_an_answer_racing_the_submit_is_graded_or_refused_and_starts_race_to_one(
    client: httpx.AsyncClient, instructor: SignedIn, quiz_id: str, student: SignedIn, db: Database
) -> None:
    quiz = await teacher_view(client, instructor, quiz_id)
    starts = await asyncio.gather(*(start(client, student, quiz_id) for _ in range(4)))
    assert len({s.json()["id"] for s in starts}) == 1
    attempt = starts[0].json()
    right = right_answers(quiz, attempt)

    async def put(question_id: str) -> int:
        url = f"/api/attempts/{attempt['id']}/answers/{question_id}"
        return (await client.put(url, json=right[question_id], headers=student.bearer)).status_code

    submit_url = f"/api/attempts/{attempt['id']}/submit"
    outcome = await asyncio.gather(
        *(put(q) for q in right), client.post(submit_url, headers=student.bearer),
        client.post(submit_url, headers=student.bearer),
    )  # fmt: skip
    saved = [q for q, status in zip(right, outcome[: len(right)], strict=True) if status == 200]
    assert all(status in (200, 409) for status in outcome[: len(right)])
    stored = await db.quiz_attempts.find_one({"_id": attempt["id"]})
    assert stored is not None and stored["state"] == "submitted"
    assert sorted(stored["answers"]) == sorted(saved)  # every answer told "saved" was kept…
    by_id = {q["id"]: q for q in quiz["questions"]}
    assert stored["score"] == pytest.approx(sum(by_id[q]["points"] for q in saved))  # …and graded
    result = await db.quiz_results.find_one({"user_id": student.user.id})
    assert result is not None and result["attempts_used"] == 1  # two submits counted once


async def test_Q1_after_each_reveals_only_what_was_answered_even_after_the_submit(
    client: httpx.AsyncClient, instructor: SignedIn, quiz_id: str, student: SignedIn
) -> None:
    await set_quiz(client, instructor, quiz_id, reveal="after_each")
    attempt = (await start(client, student, quiz_id)).json()
    numeric = next(q for q in attempt["questions"] if q["type"] == "numeric")
    url = f"/api/attempts/{attempt['id']}/answers/{numeric['id']}"
    assert (await client.put(url, json={"number": 1}, headers=student.bearer)).status_code == 200
    done = (
        await client.post(f"/api/attempts/{attempt['id']}/submit", headers=student.bearer)
    ).json()
    assert [f["question_id"] for f in done["feedback"]] == [numeric["id"]]
    assert SECRET_EXPLANATION not in json.dumps(done)  # the unanswered questions' keys stay


async def test_rules_that_could_never_be_met_are_refused_or_cleaned_up(
    client: httpx.AsyncClient, instructor: SignedIn, course: BuiltCourse, student: SignedIn
) -> None:
    lesson_id, quiz_id = await add_quiz_lesson(client, instructor, course.id)
    outline = (await client.get(f"/api/courses/{course.id}", headers=instructor.bearer)).json()
    section = outline["sections"][0]["id"]
    lessons = f"/api/courses/{course.id}/sections/{section}/lessons"
    own = await client.patch(
        f"{lessons}/{lesson_id}",
        json={"release": {"after_quiz": quiz_id}},
        headers=instructor.bearer,
    )
    assert own.status_code == 422 and error_code(own) == "invalid_release"
    edit = await teacher_view(client, instructor, quiz_id)
    for questions in (
        [{"type": "ordering", "stem": "Two", "options": [{"text": "a"}, {"text": "b"}]}],
        [{"type": "single", "stem": "Ids", "correct": [0],
          "options": [{"id": "x", "text": "a"}, {"id": "x", "text": "b"}]}],
    ):  # fmt: skip
        refused = await client.put(
            f"/api/quizzes/{quiz_id}/questions",
            json={"version": edit["version"], "questions": questions},
            headers=instructor.bearer,
        )
        assert refused.status_code == 422, questions

    await put_questions(client, instructor, quiz_id, every_type()[2:3])
    gated = await client.patch(
        f"{lessons}/{course.text_lesson}",
        json={"release": {"after_quiz": quiz_id}},
        headers=instructor.bearer,
    )
    assert gated.status_code == 200
    required = await client.patch(
        f"/api/courses/{course.id}",
        json={"completion": {"required_quizzes": [quiz_id]}},
        headers=instructor.bearer,
    )
    assert required.status_code == 200
    held = await client.get(f"/api/lessons/{course.text_lesson}", headers=student.bearer)
    assert held.status_code == 403

    gone = await client.delete(f"{lessons}/{lesson_id}", headers=instructor.bearer)
    assert gone.status_code == 200, gone.text
    assert gone.json()["completion"]["required_quizzes"] == []
    opened = await client.get(f"/api/lessons/{course.text_lesson}", headers=student.bearer)
    assert opened.status_code == 200  # nobody could pass a deleted quiz any more
