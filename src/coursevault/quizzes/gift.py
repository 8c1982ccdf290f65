r"""Questions imported from Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format).

Read as Moodle reads it: a choice block with an `=` answer is single choice, one with only
`~` answers multiple choice (right where the weight is positive); `\n` is a line break and
`\\` a backslash. What our questions cannot hold is dropped or refused: titles and per-answer
`#feedback` are dropped (`####` general feedback is the explanation); weights only decide
`partial_credit` (our grading shares the points evenly), so a partly right option of a single
choice earns nothing; several `=` in a choice block ("either is right"), matching, essays and
descriptions are refused; of numeric answers the first full-credit one is kept, of short
answers the full-credit ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from coursevault.i18n import Text, msg
from coursevault.quizzes.models import MAX_QUESTIONS, QuestionIn, QuestionType

BLANK = "_____"  # stands for a "missing word" answer block in the middle of the stem
MAX_ANSWERS = 50  # QuestionIn's longest list (accepted); more is refused before building it

# Escaped characters are hidden as noncharacters while the question is taken apart, so the
# splitting on `{ } = ~ # ::` never sees them (Moodle does the same with placeholders);
# noncharacters in the file itself are dropped first, so they cannot pose as escapes.
_ESCAPE = re.compile(r"\\([~=#{}:\\n])")
_HIDE = {char: chr(0xFDD0 + i) for i, char in enumerate("~=#{}:\\n")}
_SHOW = str.maketrans({hidden: "\n" if c == "n" else c for c, hidden in _HIDE.items()})
_NONCHARACTERS = dict.fromkeys(range(0xFDD0, 0xFDF0))
_LINES = re.compile(r"\r\n|\r|\n")
_FORMAT = re.compile(r"\s*\[(?:html|markdown|plain|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"%(-?[0-9]+(?:\.[0-9]+)?)%")
_MARKER = re.compile(r"([=~])")
_TRUTH = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class GiftError(ValueError):
    """Why the file cannot be imported (TEXT; MESSAGE in English), at LINE (1-based) of the
    file."""

    def __init__(self, line: int, text: Text) -> None:
        self.message = str(text)
        super().__init__(f"line {line}: {self.message}")
        self.line = line
        self.text = text


@dataclass
class _Block:
    """One question's text, escapes hidden, with the file's line number of each of its lines."""

    text: str
    lines: list[int]

    def fail(self, offset: int, text: Text) -> GiftError:
        return GiftError(self.lines[self.text.count("\n", 0, offset)], text)


@dataclass
class _Answer:
    marked_right: bool  # written with `=`
    weight: float  # percent of the points
    text: str  # shown: escapes restored, format prefix and feedback taken off
    offset: int


def parse(text: str) -> list[QuestionIn]:
    """The questions of the GIFT file TEXT, in order; GiftError if any cannot be imported."""
    blocks = _blocks(text)
    if not blocks:
        raise GiftError(1, msg("no questions in this file"))
    if len(blocks) > MAX_QUESTIONS:
        raise GiftError(
            blocks[MAX_QUESTIONS].lines[0],
            msg("more than {limit} questions", limit=MAX_QUESTIONS),
        )
    return [_question(block) for block in blocks]


def _blocks(text: str) -> list[_Block]:
    """The questions' texts: runs of lines between blank lines, without comment and
    $CATEGORY lines (we import into one quiz, so categories mean nothing here)."""
    lines = _LINES.split(text.removeprefix("\ufeff").translate(_NONCHARACTERS))
    blocks: list[_Block] = []
    rows: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate([*lines, ""], start=1):
        kept = line.strip()
        if kept.startswith(("//", "$CATEGORY:")):
            continue
        if kept:
            rows.append(line)
            numbers.append(number)
        elif rows:
            joined = _ESCAPE.sub(lambda m: _HIDE[m[1]], "\n".join(rows))
            blocks.append(_Block(joined, numbers))
            rows, numbers = [], []
    return blocks


def _show(text: str) -> str:
    """TEXT as the student reads it: no format prefix (we always render Markdown, with raw
    HTML off), escapes restored."""
    found = _FORMAT.match(text)
    return text[found.end() if found else 0 :].translate(_SHOW).strip()


def _question(block: _Block) -> QuestionIn:
    text = block.text
    start = _after_title(block)
    opening, closing = _braces(block, start)
    inner, _, general = text[opening + 1 : closing].partition("####")
    before, after = text[start:opening], text[closing + 1 :]
    stem = before + BLANK + after if after.strip() else before
    fields = {**_answers(block, inner, opening), "stem": _show(stem), "explanation": _show(general)}
    try:
        return QuestionIn.model_validate(fields)
    except ValidationError as error:
        raise GiftError(block.lines[0], _reasons(error)) from None


def _reasons(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'question'}: {e['msg'].removeprefix('Value error, ')}"
        for e in error.errors()
    )


def _after_title(block: _Block) -> int:
    """Where the stem starts: after the `::title::`, if there is one."""
    text = block.text
    start = len(text) - len(text.lstrip())
    if not text.startswith("::", start):
        return start
    end = text.find("::", start + 2)
    if end == -1:
        raise block.fail(start, msg("a title (::title::) that is never closed"))
    return end + 2


def _braces(block: _Block, start: int) -> tuple[int, int]:
    """Where the one answer block's `{` and `}` are."""
    text = block.text
    opening = text.find("{", start)
    stray = text.find("}", start, len(text) if opening == -1 else opening)
    if stray != -1:
        raise block.fail(stray, msg("a '}}' with no '{{' before it (write \\}} for a brace)"))
    if opening == -1:
        raise block.fail(start, msg("no answer block {{...}}: descriptions are not supported"))
    closing = text.find("}", opening)
    if closing == -1:
        raise block.fail(opening, msg("this '{{' is never closed"))
    nested = text.find("{", opening + 1, closing)
    if nested != -1:
        raise block.fail(nested, msg("a '{{' inside an answer block (write \\{{ for a brace)"))
    extra = [i for i in (text.find("{", closing), text.find("}", closing + 1)) if i != -1]
    if extra:
        raise block.fail(min(extra), msg("a second answer block: a question has one"))
    return opening, closing


def _answers(block: _Block, inner: str, opening: int) -> dict[str, Any]:
    """The QuestionIn fields the answer block INNER (starting after OPENING) sets."""
    body = inner.strip()
    if not body:
        raise block.fail(opening, msg("an empty answer block (an essay) is not supported"))
    if body.startswith("#"):
        return _numeric(block, inner[inner.index("#") + 1 :], opening)
    truth = _TRUTH.get(body.partition("#")[0].strip().upper())
    if truth is not None:
        return {"type": QuestionType.true_false, "truth": truth}
    if "=" in body and "->" in body:
        raise block.fail(opening, msg("matching questions (=a -> b) are not supported"))
    answers = _split(block, inner, opening + 1)
    if "~" in body:
        return _choice(block, answers, opening)
    accepted = [a.text for a in answers if a.weight >= 100]
    if not accepted:
        raise block.fail(opening, msg("no fully right answer (=answer)"))
    return {"type": QuestionType.short_text, "accepted": accepted}


def _split(block: _Block, inner: str, offset: int) -> list[_Answer]:
    """The `=` and `~` answers of INNER, which starts at OFFSET of the block."""
    parts = _MARKER.split(inner)  # text before the first marker, then marker, text, ...
    if parts[0].strip():
        raise block.fail(
            offset, msg("an answer must start with = or ~, not {start!r}", start=parts[0].strip())
        )
    if len(parts) // 2 > MAX_ANSWERS:
        raise block.fail(offset, msg("more than {limit} answers", limit=MAX_ANSWERS))
    answers = []
    offset += len(parts[0])
    for marker, chunk in zip(parts[1::2], parts[2::2], strict=True):
        answers.append(_answer(block, marker, chunk, offset))
        offset += 1 + len(chunk)
    return answers


def _answer(block: _Block, marker: str, chunk: str, offset: int) -> _Answer:
    text = chunk.partition("#")[0].strip()
    weight = 100.0 if marker == "=" else 0.0
    if text.startswith("%"):
        found = _WEIGHT.match(text)
        if found is None or not -100 <= float(found[1]) <= 100:
            raise block.fail(
                offset, msg("a weight must be %N% with N from -100 to 100: {text!r}", text=text)
            )
        weight, text = float(found[1]), text[found.end() :]
    return _Answer(marker == "=", weight, _show(text), offset)


def _choice(block: _Block, answers: list[_Answer], opening: int) -> dict[str, Any]:
    right = [i for i, answer in enumerate(answers) if answer.weight > 0]
    if not right:
        raise block.fail(opening, msg("no right answer (=answer, or a positive ~%N% weight)"))
    options = [{"text": answer.text} for answer in answers]
    marked = [i for i, answer in enumerate(answers) if answer.marked_right]
    if len(marked) > 1:
        # Moodle takes either of them as right; a single-choice question of ours has one.
        raise block.fail(opening, msg("several =answers: give the right ones ~%N% weights instead"))
    kind = QuestionType.single if marked else QuestionType.multiple
    partial = not marked and any(answers[i].weight < 100 for i in right)
    return {"type": kind, "options": options, "correct": marked or right, "partial_credit": partial}


def _numeric(block: _Block, inner: str, opening: int) -> dict[str, Any]:
    """`{#3.14:0.01}`, `{#1..5}` or `{#=3.14:0.01 =%50%3:0.5}`, INNER without the `#`."""
    if _MARKER.search(inner):
        answers = _split(block, inner, opening + 1)
    else:
        answers = [_answer(block, "=", inner, opening + 1)]
    best = next((answer for answer in answers if answer.weight >= 100), None)
    if best is None:
        raise block.fail(opening, msg("no fully right numeric answer"))
    value, tolerance = _number(block, best)
    return {"type": QuestionType.numeric, "value": value, "tolerance": tolerance}


def _number(block: _Block, answer: _Answer) -> tuple[float, float]:
    """Value and tolerance of `3.14:0.01`, `3.14` or the range `1..5`."""
    low, dots, high = answer.text.partition("..")
    if dots:
        start, end = _float(block, answer, low), _float(block, answer, high)
        if end < start:
            raise block.fail(
                answer.offset,
                msg("a range that ends below its start: {range}", range=answer.text),
            )
        return (start + end) / 2, (end - start) / 2
    value, _, tolerance = answer.text.partition(":")
    return _float(block, answer, value), _float(block, answer, tolerance or "0")


def _float(block: _Block, answer: _Answer, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise block.fail(answer.offset, msg("not a number: {text!r}", text=answer.text)) from None
