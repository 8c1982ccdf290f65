"""Grading (quizzes.grading): the points each kind of answer earns, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from coursevault.quizzes import grading
from coursevault.quizzes.grading import fold, is_correct, points, valid_answer
from coursevault.quizzes.models import AnswerIn, OptionIn, Question, QuestionType


def question(kind: QuestionType, **fields: Any) -> Question:
    options = [OptionIn(id=o, text=o.upper()) for o in fields.pop("options", [])]
    return Question(id="q1", type=kind, stem="Stem", points=fields.pop("points", 2.0),
                    options=options, **fields)  # fmt: skip


def single() -> Question:
    return question(QuestionType.single, options=["a", "b", "c"], correct=["b"])


def multiple(partial: bool = True) -> Question:
    return question(QuestionType.multiple, options=["a", "b", "c", "d"], correct=["a", "b"],
                    partial_credit=partial)  # fmt: skip


def ordering(partial: bool = True) -> Question:
    return question(QuestionType.ordering, options=["a", "b", "c", "d"], partial_credit=partial)


def numeric(value: float, tolerance: float) -> Question:
    return question(QuestionType.numeric, value=value, tolerance=tolerance)


def short(*accepted: str, fuzzy: bool = False) -> Question:
    return question(QuestionType.short_text, accepted=list(accepted), fuzzy=fuzzy)


def earned(q: Question, **answer: Any) -> float:
    return points(q, AnswerIn(**answer))


# Choice questions


def test_single() -> None:
    assert earned(single(), choices=["b"]) == 2.0
    assert earned(single(), choices=["a"]) == 0.0
    assert earned(single(), choices=[]) == 0.0


def test_multiple_all_or_nothing() -> None:
    q = multiple(partial=False)
    assert earned(q, choices=["b", "a"]) == 2.0
    assert earned(q, choices=["a"]) == 0.0
    assert earned(q, choices=["a", "b", "c"]) == 0.0


@pytest.mark.parametrize(
    ("choices", "share"),
    [
        (["a", "b"], 1.0),
        (["a"], 0.5),
        (["a", "c"], 0.0),  # a wrong pick takes a right one back
        (["a", "b", "c"], 0.5),
        (["a", "b", "c", "d"], 0.0),  # ticking every box earns nothing
        (["c", "d"], 0.0),  # never below zero
        ([], 0.0),
    ],
)
def test_multiple_partial_credit(choices: list[str], share: float) -> None:
    assert earned(multiple(), choices=choices) == 2.0 * share


def test_ordering_all_or_nothing() -> None:
    q = ordering(partial=False)
    assert earned(q, choices=["a", "b", "c", "d"]) == 2.0
    assert earned(q, choices=["a", "b", "d", "c"]) == 0.0


@pytest.mark.parametrize(
    ("choices", "share"),
    [
        (["a", "b", "c", "d"], 1.0),
        (["a", "b", "d", "c"], 0.5),  # two in their place
        (["b", "a", "c", "d"], 0.5),
        (["d", "c", "b", "a"], 0.0),
        (["a", "b", "c"], 0.0),  # an incomplete order earns nothing
    ],
)
def test_ordering_partial_credit(choices: list[str], share: float) -> None:
    assert earned(ordering(), choices=choices) == 2.0 * share


def test_partial_points_are_rounded() -> None:
    q = question(QuestionType.multiple, options=["a", "b", "c", "d"], correct=["a", "b", "c"],
                 partial_credit=True, points=1.0)  # fmt: skip
    assert earned(q, choices=["a"]) == 0.3333


# True/false and numbers


def test_true_false() -> None:
    q = question(QuestionType.true_false, truth=False)
    assert earned(q, truth=False) == 2.0
    assert earned(q, truth=True) == 0.0
    assert earned(q) == 0.0


@pytest.mark.parametrize(
    ("value", "tolerance", "number", "right"),
    [
        (3.14, 0.0, 3.14, True),
        (3.14, 0.0, 3.1400001, False),
        (3.14, 0.01, 3.15, True),  # at the edge, though 3.15 - 3.14 > 0.01 in floats
        (3.14, 0.01, 3.13, True),
        (3.14, 0.01, 3.1501, False),
        (3.14, 0.01, 3.1299, False),
        (0.3, 0.1, 0.4, True),
        (0.0, 0.0, -0.0, True),
        (-5.0, 0.5, -4.5, True),
        (-5.0, 0.5, -5.6, False),
        (1e9, 0.1, 999_999_999.9, True),  # an edge where a fixed epsilon fell short
        (1e9, 0.1, 1_000_000_000.1, True),
        (1e9, 0.1, 1_000_000_000.2, False),
        (1e9, 0.0, 1_000_000_000.001, False),
        (12_345_678.9, 0.1, 12_345_679.0, True),
        (1e300, 0.0, -1e300, False),  # no overflow surprise
    ],
)
def test_numeric_tolerance(value: float, tolerance: float, number: float, right: bool) -> None:
    assert earned(numeric(value, tolerance), number=number) == (2.0 if right else 0.0)


def test_numeric_without_a_number() -> None:
    assert earned(numeric(1, 0)) == 0.0


# Short answers


@pytest.mark.parametrize(
    "typed",
    ["Élan vital", "  elan   VITAL ", "ÉLAN\tvital", "elan\u00a0vital", "e\u0301lan vital"],
)
def test_short_text_folds_case_accents_and_spaces(typed: str) -> None:
    assert earned(short("élan vital"), text=typed) == 2.0


def test_fold() -> None:
    assert fold("  Straße  Ça\nVA ") == "strasse ca va"
    assert fold("ﬁne") == "fine"  # compatibility forms too
    assert fold("   ") == ""


def test_short_text_any_accepted_answer() -> None:
    q = short("colour", "color")
    assert earned(q, text="Color") == 2.0
    assert earned(q, text="colr") == 0.0  # no typo forgiven without fuzzy


def test_short_text_empty_or_missing_earns_nothing() -> None:
    assert earned(short("x"), text="   ") == 0.0
    assert earned(short("x")) == 0.0


@pytest.mark.parametrize(
    ("typed", "right"),
    [
        ("photosynthesis", True),
        ("photosyntesis", True),  # a letter left out
        ("photosynthessis", True),  # one too many
        ("photosynthesus", True),  # one wrong
        ("photosynhtesis", True),  # two swapped count as one typo
        ("fotosynthesis", True),  # two typos in 14 letters
        ("fotosyntesis", False),  # three is too many
        ("photo", False),
    ],
)
def test_fuzzy_forgives_a_typo_in_five_letters_and_at_most_two(typed: str, right: bool) -> None:
    assert earned(short("Photosynthesis", fuzzy=True), text=typed) == (2.0 if right else 0.0)


@pytest.mark.parametrize(
    ("accepted", "typed", "right"),
    [
        ("cat", "cta", False),  # under five letters: exact only
        ("lion", "loin", False),
        ("tiger", "tigre", True),  # five letters: one typo
        ("tiger", "tgre", False),  # but not two
        ("mitochondr", "mitochndra", True),  # ten letters: two
        ("Ñandú", "nandu", True),  # folding is not a typo
    ],
)
def test_fuzzy_limit_by_length(accepted: str, typed: str, right: bool) -> None:
    assert earned(short(accepted, fuzzy=True), text=typed) == (2.0 if right else 0.0)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("abc", "abc", 0), ("abc", "acb", 1), ("abc", "ab", 1), ("ca", "abc", 3), ("", "ab", 2)],
)
def test_distance(a: str, b: str, distance: int) -> None:
    assert grading._distance(a, b, 5) == distance


def test_distance_gives_up_beyond_its_limit() -> None:
    assert grading._distance("a" * 50, "b" * 50, 2) == 3
    assert grading._distance("abcdef", "a", 2) == 3


# Points and correctness


def test_no_answer_earns_nothing() -> None:
    assert points(single(), None) == 0.0


def test_full_marks_are_the_points_exactly() -> None:
    q = question(QuestionType.true_false, truth=True, points=0.33333)
    full = earned(q, truth=True)
    assert full == 0.33333
    assert is_correct(q, full)


def test_is_correct() -> None:
    q = multiple()
    assert is_correct(q, earned(q, choices=["a", "b"]))
    assert not is_correct(q, earned(q, choices=["a"]))


# What cannot be an answer


@pytest.mark.parametrize(
    ("q", "answer", "why"),
    [
        (single(), AnswerIn(choices=["z"]), "not in this question"),
        (single(), AnswerIn(choices=["q1"]), "not in this question"),  # the question's own id
        (single(), AnswerIn(choices=["a", "b"]), "takes one option"),
        (single(), AnswerIn(choices=["b", "b"]), "given twice"),
        (multiple(), AnswerIn(choices=["a", "a"]), "given twice"),
        (multiple(), AnswerIn(choices=["a", "B"]), "not in this question"),  # ids, not texts
        (ordering(), AnswerIn(choices=["a", "b", "c", "c"]), "given twice"),
        (ordering(), AnswerIn(choices=["a", "b", "c", "x"]), "not in this question"),
        (question(QuestionType.true_false, truth=True), AnswerIn(choices=["a"]), "no options"),
        (question(QuestionType.true_false, truth=True), AnswerIn(number=1), "takes no number"),
        (numeric(1, 0), AnswerIn(text="1"), "takes no text"),
        (numeric(1, 0), AnswerIn(), "needs its number"),
        (short("x"), AnswerIn(truth=True), "takes no truth"),
        (single(), AnswerIn(truth=True), "takes no truth"),
        (short("x"), AnswerIn(choices=["x"], text="x"), "no options"),
    ],
)
def test_valid_answer_refuses(q: Question, answer: AnswerIn, why: str) -> None:
    reason = valid_answer(q, answer)
    assert reason is not None
    assert why in str(reason)


@pytest.mark.parametrize(
    ("q", "answer"),
    [
        (single(), AnswerIn(choices=["a"])),
        (single(), AnswerIn(choices=[])),  # nothing picked yet
        (multiple(), AnswerIn(choices=["a", "c", "d"])),
        (ordering(), AnswerIn(choices=["d", "c", "b", "a"])),
        (question(QuestionType.true_false, truth=True), AnswerIn(truth=False)),
        (numeric(1, 0), AnswerIn(number=0)),
        (short("x"), AnswerIn(text="")),
    ],
)
def test_valid_answer_accepts(q: Question, answer: AnswerIn) -> None:
    assert valid_answer(q, answer) is None
