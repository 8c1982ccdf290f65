"""Text in the reader's language: a `Msg` is an English template and its parameters,
rendered later in whichever language the reader has.

Templates use `str.format` fields (`{title}`); a parameter is inserted as it is (a name
with `{` or `<b>` in it stays that text) unless it is itself a `Msg`, which is rendered in
the same language (a list of texts is each of them so, joined by "; "). Dates take
strftime specs where `%B` is the month's name in the language and `%-d` the day without a
leading zero; numbers with a spec (`{limit:,}`, `{score:g}`) use the language's decimal
and group marks.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coursevault.i18n import de, en
from coursevault.i18n.catalog import Catalog
from coursevault.i18n.languages import Language


@dataclass(frozen=True)
class Msg:
    """An English TEMPLATE with its PARAMS, rendered by `render` in the reader's language.
    Build it with `msg("…")` so the catalog test finds the template."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self, "en")


type Text = str | Msg


def msg(template: str, /, **params: object) -> Msg:
    """Marks TEMPLATE (a literal: tests/test_languages.py reads every call) as text to
    translate, with PARAMS for its fields."""
    return Msg(template, params)


_SWAP_MARKS = str.maketrans(",.", ".,")


class _Formatter(string.Formatter):
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Msg):
            return format(render(value, self.catalog.language), format_spec)
        if isinstance(value, list):  # reasons, each in the reader's language
            return "; ".join(render(item, self.catalog.language) for item in value)
        if isinstance(value, date) and format_spec:
            month = self.catalog.months[value.month - 1].replace("%", "%%")
            spec = format_spec.replace("%B", month).replace("%-d", str(value.day))
            return value.strftime(spec)
        out: str = super().format_field(value, format_spec)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        return out.translate(_SWAP_MARKS) if numeric and self.catalog.decimal_comma else out


CATALOGS: Mapping[Language, Catalog] = {"en": en.CATALOG, "de": de.CATALOG}


def catalog(language: Language) -> Catalog:
    """LANGUAGE's words."""
    return CATALOGS[language]


def translates(text: Msg, language: Language) -> bool:
    """Whether LANGUAGE has TEXT's template (English has every one)."""
    return language == "en" or text.template in catalog(language).messages


def render(text: Text, language: Language) -> str:
    """TEXT in LANGUAGE (English where the language lacks the template); a plain string
    is returned as it is."""
    if isinstance(text, str):
        return text
    words = catalog(language)
    template = words.messages.get(text.template, text.template)
    return _Formatter(words).vformat(template, (), dict(text.params))


def validation_problem(
    error_type: str, ctx: Mapping[str, Any] | None, language: Language
) -> str | None:
    """Pydantic's validation error ERROR_TYPE in LANGUAGE with its CTX, or None when the
    language has no sentence for it."""
    words = catalog(language)
    template = words.validation.get(error_type)
    if template is None:
        return None
    try:
        return _Formatter(words).vformat(template, (), dict(ctx or {}))
    except (KeyError, IndexError, ValueError):
        return None
