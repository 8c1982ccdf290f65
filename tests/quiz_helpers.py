"""Quizzes over HTTP for tests: a course with a quiz lesson, questions of every type."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import SignedIn

# Strings that must never reach a student before the reveal policy allows (Q1).
SECRET_EXPLANATION = "Because-of-zebracorns"
SECRET_ACCEPTED = "photosynthesis"


def every_type() -> list[dict[str, Any]]:
    """One question of each type; the right answers are listed in `right_answers`."""
    return [
        {
            "type": "single",
            "stem": "Pick **two**",
            "options": [{"text": "one"}, {"text": "two"}, {"text": "three"}],
            "correct": [1],
            "explanation": SECRET_EXPLANATION,
        },
        {
            "type": "multiple",
            "stem": "Primes",
            "options": [{"text": "2"}, {"text": "3"}, {"text": "4"}, {"text": "5"}],
            "correct": [0, 1, 3],
            "partial_credit": True,
            "points": 3,
        },
        {"type": "true_false", "stem": "The sky is blue", "truth": True},
        {"type": "numeric", "stem": "Pi", "value": 3.14, "tolerance": 0.01},
        {
            "type": "short_text",
            "stem": "How do plants eat?",
            "accepted": [SECRET_ACCEPTED],
            "fuzzy": True,
        },
        {
            "type": "ordering",
            "stem": "Order",
            "options": [{"text": "first"}, {"text": "second"}, {"text": "third"}],
        },
    ]


async def put_questions(
    client: httpx.AsyncClient, who: SignedIn, quiz_id: str, questions: list[dict[str, Any]]
) -> dict[str, Any]:
    quiz = (await client.get(f"/api/quizzes/{quiz_id}/edit", headers=who.bearer)).json()
    saved = await client.put(
        f"/api/quizzes/{quiz_id}/questions",
        json={"version": quiz["version"], "questions": questions},
        headers=who.bearer,
    )
    assert saved.status_code == 200, saved.text
    body: dict[str, Any] = saved.json()
    return body


async def set_quiz(
    client: httpx.AsyncClient, who: SignedIn, quiz_id: str, **settings: Any
) -> dict[str, Any]:
    current = (await client.get(f"/api/quizzes/{quiz_id}/edit", headers=who.bearer)).json()
    changed = await client.patch(
        f"/api/quizzes/{quiz_id}",
        json={"settings": {**current["settings"], **settings}},
        headers=who.bearer,
    )
    assert changed.status_code == 200, changed.text
    body: dict[str, Any] = changed.json()
    return body


async def add_quiz_lesson(
    client: httpx.AsyncClient, who: SignedIn, course_id: str, title: str = "Check yourself"
) -> tuple[str, str]:
    """Adds a quiz lesson to the course's first section; returns (lesson id, quiz id)."""
    outline = (await client.get(f"/api/courses/{course_id}", headers=who.bearer)).json()
    section = outline["sections"][0]["id"]
    made = await client.post(
        f"/api/courses/{course_id}/sections/{section}/lessons",
        json={"title": title, "kind": "quiz"},
        headers=who.bearer,
    )
    assert made.status_code == 201, made.text
    lesson_id = made.json()["id"]
    lessons = made.json()["course"]["sections"][0]["lessons"]
    quiz_id = next(item["quiz_id"] for item in lessons if item["id"] == lesson_id)
    return lesson_id, quiz_id


def right_answers(quiz: dict[str, Any], attempt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The right answer to each question of ATTEMPT, from the instructor's view QUIZ."""
    answers: dict[str, dict[str, Any]] = {}
    for question in quiz["questions"]:
        ids = [option["id"] for option in question["options"]]
        kind = question["type"]
        if kind in ("single", "multiple"):
            answers[question["id"]] = {"choices": [ids[i] for i in question["correct"]]}
        elif kind == "ordering":
            answers[question["id"]] = {"choices": ids}
        elif kind == "true_false":
            answers[question["id"]] = {"truth": question["truth"]}
        elif kind == "numeric":
            answers[question["id"]] = {"number": question["value"]}
        else:
            answers[question["id"]] = {"text": question["accepted"][0]}
    asked = {q["id"] for q in attempt["questions"]}
    return {q: a for q, a in answers.items() if q in asked}


async def answer_all(
    client: httpx.AsyncClient, who: SignedIn, attempt_id: str, answers: dict[str, dict[str, Any]]
) -> None:
    for question_id, answer in answers.items():
        saved = await client.put(
            f"/api/attempts/{attempt_id}/answers/{question_id}", json=answer, headers=who.bearer
        )
        assert saved.status_code == 200, saved.text


async def pass_quiz(
    client: httpx.AsyncClient, teacher: SignedIn, student: SignedIn, quiz_id: str
) -> dict[str, Any]:
    """STUDENT starts an attempt, answers everything right and submits it."""
    quiz = (await client.get(f"/api/quizzes/{quiz_id}/edit", headers=teacher.bearer)).json()
    attempt = (await client.post(f"/api/quizzes/{quiz_id}/attempts", headers=student.bearer)).json()
    await answer_all(client, student, attempt["id"], right_answers(quiz, attempt))
    done = await client.post(f"/api/attempts/{attempt['id']}/submit", headers=student.bearer)
    assert done.status_code == 200 and done.json()["passed"], done.text
    body: dict[str, Any] = done.json()
    return body
