"""German (Sie-form): every template of the server and a sentence for every error code."""

from __future__ import annotations

from coursevault.i18n.catalog import Catalog
from coursevault.i18n.de import codes, errors, mails, reasons

CATALOG = Catalog(
    language="de",
    months=(
        *("Januar", "Februar", "März", "April", "Mai", "Juni"),
        *("Juli", "August", "September", "Oktober", "November", "Dezember"),
    ),
    decimal_comma=True,
    messages={**errors.MESSAGES, **reasons.MESSAGES, **mails.MESSAGES},
    codes=codes.CODES,
    validation=codes.VALIDATION,
)
