"""English: the language every template is written in, so it needs no translations."""

from __future__ import annotations

from coursevault.i18n.catalog import Catalog

CATALOG = Catalog(
    language="en",
    months=(
        *("January", "February", "March", "April", "May", "June"),
        *("July", "August", "September", "October", "November", "December"),
    ),
)
