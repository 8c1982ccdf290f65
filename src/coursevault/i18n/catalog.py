"""What a language's catalog holds (one module per language: `en.py`, `de/`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from coursevault.i18n.languages import Language


@dataclass(frozen=True)
class Catalog:
    """One language's words: its translations of every template, keyed by the English."""

    language: Language
    months: tuple[str, ...]
    decimal_comma: bool = False  # "1.234,5" rather than "1,234.5"
    messages: Mapping[str, str] = field(default_factory=dict)
    # A sentence per error code, for an error whose message is no known template (the
    # framework's, or a reason worded elsewhere).
    codes: Mapping[str, str] = field(default_factory=dict)
    # Pydantic's validation error types, as templates over the error's `ctx`.
    validation: Mapping[str, str] = field(default_factory=dict)
