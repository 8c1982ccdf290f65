"""Checkpoints on the key path (Q3): a key period that starts at or after a checkpoint's
second is refused until the viewer has passed it. Read through the same short-lived
caches as the key check, so a lesson without checkpoints costs nothing more."""

from __future__ import annotations

from typing import Any

from coursevault.database.db import Database
from coursevault.quizzes import repo as quizzes_repo


async def blocking(
    *,
    db: Database,
    user_id: str,
    checkpoints: list[dict[str, Any]],
    period_start: float,
    max_age: float,
) -> dict[str, Any] | None:
    """The first checkpoint at or before PERIOD_START (seconds) that USER_ID has not
    passed, or None when the period may be played."""
    due = sorted((c for c in checkpoints if c["at"] <= period_start), key=lambda c: c["at"])
    if not due:
        return None
    # Asked for every checkpoint of the lesson, so one cached answer serves all periods.
    passed = await quizzes_repo.passed(
        db=db, user_id=user_id, quiz_ids=[c["id"] for c in checkpoints], max_age=max_age
    )
    return next((c for c in due if c["id"] not in passed), None)
