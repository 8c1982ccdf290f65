"""Grading throughput (prints, asserts nothing): submissions graded per second on one core.

A submission is what the server does when a student submits a 20-question quiz: each of the
20 answers validated from its JSON (AnswerIn, pydantic), checked (grading.valid_answer) and
graded (grading.points), and the points summed. Goal: 1,000 submissions/s on one core, for
a quiz of mixed question types. The figure for a quiz of each single type follows, to show
which one costs most, then the functions that take the time (cProfile).

    PYTHONPATH=. .venv/bin/python bench/quiz.py [--seconds 3] [--profile-top 12]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from coursevault.quizzes import grading
from coursevault.quizzes.models import AnswerIn, OptionIn, Question, QuestionType

GOAL = 1_000  # submissions per second on one core
QUESTIONS = 20
VARIANTS = 200  # distinct submissions, cycled

Submission = list[bytes]  # one JSON payload per question, in the quiz's order


def make_question(kind: QuestionType, number: int) -> Question:
    """A question of KIND like an instructor writes one (4-6 options, a few accepted words)."""
    ids = [f"opt{number}-{i}" for i in range(4 + number % 3)]
    options = [OptionIn(id=i, text=f"Option {i}") for i in ids]
    base: dict[str, Any] = {"id": f"q{number}", "type": kind, "stem": "Stem?", "points": 1.0}
    match kind:
        case QuestionType.single:
            return Question(**base, options=options, correct=ids[1:2])
        case QuestionType.multiple:
            return Question(**base, options=options, correct=ids[:2], partial_credit=True)
        case QuestionType.ordering:
            return Question(**base, options=options, partial_credit=True)
        case QuestionType.true_false:
            return Question(**base, truth=True)
        case QuestionType.numeric:
            return Question(**base, value=9.81, tolerance=0.05)
        case QuestionType.short_text:
            accepted = ["photosynthesis", "photo-synthesis", "Fotosíntesis"]
            return Question(**base, accepted=accepted, fuzzy=number % 2 == 0)


def mixed_quiz() -> list[Question]:
    """20 questions: the mix a course quiz tends to have (choice first, some typed answers)."""
    kinds = (
        [QuestionType.single] * 6
        + [QuestionType.multiple] * 4
        + [QuestionType.true_false] * 3
        + [QuestionType.numeric] * 2
        + [QuestionType.short_text] * 3
        + [QuestionType.ordering] * 2
    )
    return [make_question(kind, n) for n, kind in enumerate(kinds)]


def one_type_quiz(kind: QuestionType) -> list[Question]:
    return [make_question(kind, n) for n in range(QUESTIONS)]


def answer_for(question: Question, rng: random.Random) -> dict[str, Any]:
    """A student's answer to QUESTION, as the web app sends it: right, nearly or wrong."""
    ids = [option.id for option in question.options]
    match question.type:
        case QuestionType.single:
            return {"choices": [rng.choice(ids)]}
        case QuestionType.multiple:
            return {"choices": rng.sample(ids, rng.randint(1, 3))}
        case QuestionType.ordering:
            return {"choices": rng.sample(ids, len(ids))}
        case QuestionType.true_false:
            return {"truth": rng.random() < 0.7}
        case QuestionType.numeric:
            return {"number": round(rng.uniform(9.7, 9.9), 2)}
        case QuestionType.short_text:
            typed = ["Photosynthesis", "fotosynthesis", "photosyntesis", "chlorophyll", ""]
            return {"text": rng.choice(typed)}


def make_submissions(questions: Sequence[Question], count: int) -> list[Submission]:
    rng = random.Random(24)
    return [[json.dumps(answer_for(q, rng)).encode() for q in questions] for _ in range(count)]


def grade_submission(questions: Sequence[Question], payloads: Submission) -> float:
    """The work of one submission: validate, check and grade each answer; total points."""
    total = 0.0
    for question, payload in zip(questions, payloads, strict=True):
        answer = AnswerIn.model_validate_json(payload)
        if grading.valid_answer(question, answer) is None:
            total += grading.points(question, answer)
    return total


def rate(
    questions: Sequence[Question],
    submissions: Sequence[Submission],
    seconds: float,
    step: Callable[[Sequence[Question], Submission], Any] = grade_submission,
) -> float:
    """STEP's calls per second over SUBMISSIONS (cycled) for about SECONDS of CPU time."""
    done, started = 0, time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        for payloads in submissions:
            step(questions, payloads)
        done += len(submissions)
    return done / elapsed


def validate_only(questions: Sequence[Question], payloads: Submission) -> None:
    for payload in payloads:
        AnswerIn.model_validate_json(payload)


def profile(questions: Sequence[Question], submissions: Sequence[Submission], top: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        for payloads in submissions:
            grade_submission(questions, payloads)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per line")
    parser.add_argument("--profile-top", type=int, default=12)
    args = parser.parse_args()
    scenarios = {"mixed (goal)": mixed_quiz()} | {
        f"all {kind}": one_type_quiz(kind) for kind in QuestionType
    }
    print(f"{QUESTIONS} questions a submission, {VARIANTS} submissions cycled, one process")
    print(f"  {'quiz':22} {'subm/s':>8} {'µs/subm':>8} {'vs goal':>8} {'JSON share':>10}")
    for label, questions in scenarios.items():
        submissions = make_submissions(questions, VARIANTS)
        full = rate(questions, submissions, args.seconds)
        parsing = rate(questions, submissions, args.seconds / 2, validate_only)
        print(
            f"  {label:22} {full:8.0f} {1e6 / full:8.1f} {full / GOAL:7.1f}x {full / parsing:10.0%}"
        )
    mixed = scenarios["mixed (goal)"]
    print("\nwhere the mixed quiz's time goes (cProfile, by own time):")
    print(profile(mixed, make_submissions(mixed, VARIANTS), args.profile_top))


if __name__ == "__main__":
    main()
