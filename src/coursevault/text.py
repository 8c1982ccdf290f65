"""Text that must stay on one line: titles, names in subjects, mail headers (M2)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# Line and paragraph separators and the bidirectional overrides that can make a title read
# backwards (U+202A-U+202E, U+2066-U+2069); other format characters (emoji joiners) stay.
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_SPACES = re.compile(r"\s+")


def one_line(value: str) -> str:
    """Returns VALUE with control characters, line breaks and bidi overrides turned into
    single spaces, so it can go into a mail header or a one-line label as it is."""
    kept = (
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI else ch for ch in value
    )
    return _SPACES.sub(" ", "".join(kept)).strip()


# A title typed by an instructor: one line (a CR/LF once cut the receipt's subject), then
# the length rules.
Title = Annotated[
    str,
    AfterValidator(one_line),
    StringConstraints(min_length=1, max_length=200),
]
