"""The server's languages: what people read from it (mail, error messages, the
certificate) in the account's language, else the request's `Accept-Language`, else
English. Error codes never change. docs/languages.md says how to add a language."""

from coursevault.i18n.languages import (
    DEFAULT,
    LANGUAGES,
    Language,
    from_accept_language,
    of_request,
    remember,
    shipped,
)
from coursevault.i18n.text import (
    Msg,
    Text,
    catalog,
    msg,
    render,
    translates,
    validation_problem,
)

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "Language",
    "Msg",
    "Text",
    "catalog",
    "from_accept_language",
    "msg",
    "of_request",
    "remember",
    "render",
    "shipped",
    "translates",
    "validation_problem",
]
