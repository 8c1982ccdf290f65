"""Time in one place: timezone-aware UTC."""

from datetime import UTC, datetime


def now() -> datetime:
    """Returns the current UTC time at millisecond precision, as BSON stores it."""
    current = datetime.now(UTC)
    return current.replace(microsecond=current.microsecond // 1000 * 1000)
