"""Timed words into cues cut for reading (pure: words in, cues out).

The rules are the common subtitling ones (BBC, Netflix timed-text guides): at most two
lines of at most 42 characters, each cue on screen 1 to 7 seconds. A cue closes at the end
of a sentence once it has been up a second, at a pause in speech, or when the next word
would break a rule; two lines are balanced, broken at the space that keeps the longer
line shortest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coursevault.captions.parse import Cue

MAX_LINE = 42
MAX_LINES = 2
MIN_SECONDS = 1.0
MAX_SECONDS = 7.0
PAUSE_SECONDS = 1.2  # a silence this long starts a new cue
SENTENCE_END = (".", "?", "!", "…")
# Whisper writes non-speech as symbols or bracketed notes ("♪", "[Music]"); none is a word.
_NOT_SPEECH = re.compile(r"^[\W_♪♫]*$|^[\[(].*[\])]$")


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


def cut(words: list[Word]) -> list[Cue]:
    """The cues for WORDS (in time order); no cue without text."""
    spoken = [w for w in (_clean(w) for w in words) if w is not None]
    groups: list[list[Word]] = []
    for word in spoken:
        current = groups[-1] if groups else None
        if current is not None and _fits(current, word):
            current.append(word)
        else:
            groups.append([word])
    cues = [_cue(group) for group in groups]
    return _stretch(cues)


def wrap(text: str) -> list[str] | None:
    """TEXT on at most two balanced lines of at most MAX_LINE characters, or None."""
    if len(text) <= MAX_LINE:
        return [text]
    best: tuple[int, list[str]] | None = None
    for at in (i for i, ch in enumerate(text) if ch == " "):
        first, second = text[:at], text[at + 1 :]
        longest = max(len(first), len(second))
        if longest <= MAX_LINE and (best is None or longest < best[0]):
            best = (longest, [first, second])
    return best[1] if best else None


def _clean(word: Word) -> Word | None:
    text = " ".join(word.text.split())
    if not text or _NOT_SPEECH.match(text):
        return None
    end = max(word.end, word.start)
    return Word(start=word.start, end=min(end, word.start + MAX_SECONDS), text=text)


def _fits(group: list[Word], word: Word) -> bool:
    last = group[-1]
    if word.start - last.end >= PAUSE_SECONDS:
        return False
    if last.text.endswith(SENTENCE_END) and last.end - group[0].start >= MIN_SECONDS:
        return False
    if word.end - group[0].start > MAX_SECONDS:
        return False
    return wrap(_joined([*group, word])) is not None


def _joined(group: list[Word]) -> str:
    return " ".join(w.text for w in group)


def _cue(group: list[Word]) -> Cue:
    text = _joined(group)
    lines = wrap(text) or [text]  # one word longer than a line stays whole
    return Cue(start=group[0].start, end=group[-1].end, text="\n".join(lines))


def _stretch(cues: list[Cue]) -> list[Cue]:
    """Gives every cue at least MIN_SECONDS: into the silence after it, then before it; a
    cue with no room either way is merged into the next when the two fit together."""
    out: list[Cue] = []
    for i, cue in enumerate(cues):
        after = cues[i + 1].start if i + 1 < len(cues) else cue.start + MAX_SECONDS
        before = out[-1].end if out else 0.0
        end = min(max(cue.end, cue.start + MIN_SECONDS), after)
        start = max(min(cue.start, end - MIN_SECONDS), before)
        out.append(Cue(start=round(start, 3), end=round(end, 3), text=cue.text))
    return _merge_short(out)


def _merge_short(cues: list[Cue]) -> list[Cue]:
    out: list[Cue] = []
    for cue in cues:
        if out and out[-1].end - out[-1].start < MIN_SECONDS:
            previous = out[-1]
            lines = wrap(f"{previous.text} {cue.text}".replace("\n", " "))
            if lines is not None and cue.end - previous.start <= MAX_SECONDS:
                out[-1] = Cue(start=previous.start, end=cue.end, text="\n".join(lines))
                continue
        out.append(cue)
    return out
