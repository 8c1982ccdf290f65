"""Grading: the points an answer earns. Pure functions, only ever run on the server (Q1).

Short answers are compared after folding case, accents and runs of spaces
("  Élan  vital " = "elan vital"); `fuzzy` also forgives one typo in five letters
(Damerau-Levenshtein distance, at most 2).
"""

from __future__ import annotations

import math
import re
import unicodedata

from coursevault.i18n import Msg, msg
from coursevault.quizzes.models import AnswerIn, Question, QuestionType

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """TEXT with case, accents and extra spaces taken out."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.casefold()).strip()


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of A and B, or LIMIT + 1 once it is beyond LIMIT."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        previous, row = row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        before = previous
    return row[-1]


def _text_matches(question: Question, typed: str) -> bool:
    given = fold(typed)
    if not given:
        return False
    for accepted in question.accepted:
        wanted = fold(accepted)
        if given == wanted:
            return True
        if question.fuzzy:
            limit = min(2, len(wanted) // 5)
            if limit and _distance(given, wanted, limit) <= limit:
                return True
    return False


def _share(question: Question, answer: AnswerIn) -> float:
    """The share of the question's points (0..1) that ANSWER earns."""
    kind = question.type
    if kind is QuestionType.true_false:
        return float(answer.truth is not None and answer.truth == question.truth)
    if kind is QuestionType.numeric:
        if answer.number is None or question.value is None:
            return 0.0
        # Each typed decimal is off by up to half an ulp: with a fixed 1e-9 alone,
        # 999999999.9 missed 1e9 ± 0.1.
        slack = 1e-9 + 2 * math.ulp(max(abs(question.value), question.tolerance))
        return float(abs(answer.number - question.value) <= question.tolerance + slack)
    if kind is QuestionType.short_text:
        return float(answer.text is not None and _text_matches(question, answer.text))
    if kind is QuestionType.single:
        return float(answer.choices == question.correct)
    if kind is QuestionType.multiple:
        return _multiple(question, answer)
    return _ordering(question, answer)


def _multiple(question: Question, answer: AnswerIn) -> float:
    picked, right = set(answer.choices), set(question.correct)
    if picked == right:
        return 1.0
    if not question.partial_credit:
        return 0.0
    # Each right pick earns its share, each wrong pick takes one back: ticking every box
    # earns nothing.
    return max(0.0, (len(picked & right) - len(picked - right)) / len(right))


def _ordering(question: Question, answer: AnswerIn) -> float:
    right = [option.id for option in question.options]
    if answer.choices == right:
        return 1.0
    if not question.partial_credit or len(answer.choices) != len(right):
        return 0.0
    return sum(a == b for a, b in zip(answer.choices, right, strict=True)) / len(right)


def points(question: Question, answer: AnswerIn | None) -> float:
    """The points ANSWER earns on QUESTION (0 for no answer)."""
    if answer is None:
        return 0.0
    share = _share(question, answer)
    # Full marks unrounded: a right answer to a 0.33333-point question earned 0.3333 and
    # was not is_correct.
    return question.points if share == 1 else round(question.points * share, 4)


def is_correct(question: Question, earned: float) -> bool:
    return earned >= question.points - 1e-9


_VALUE_OF = {
    QuestionType.true_false: "truth",
    QuestionType.numeric: "number",
    QuestionType.short_text: "text",
}


def valid_answer(question: Question, answer: AnswerIn) -> Msg | None:
    """Why ANSWER cannot be an answer to QUESTION (a forged option id, a duplicate, the
    wrong kind of value), or None."""
    kind = question.type
    given = {name for name in ("truth", "number", "text") if getattr(answer, name) is not None}
    wanted = _VALUE_OF.get(kind)
    if given - {wanted}:
        fields = ", ".join(sorted(given - {wanted}))
        return msg("a {kind} question takes no {fields}", kind=kind.value, fields=fields)
    if wanted is not None:
        if answer.choices:
            return msg("this question takes no options")
        if wanted in given:
            return None
        return msg("a {kind} question needs its {field}", kind=kind.value, field=wanted)
    known = {option.id for option in question.options}
    if any(choice not in known for choice in answer.choices):
        return msg("an option that is not in this question")
    if len(set(answer.choices)) != len(answer.choices):
        return msg("an option given twice")
    if kind is QuestionType.single and len(answer.choices) > 1:
        return msg("a single-choice question takes one option")
    return None
