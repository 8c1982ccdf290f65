"""Access that follows a sale (P5), in one place for payments, gifts and teams: a grant
given or taken back, and when one is taken back, its holder's live sessions on the course
end at once unless another grant still opens it (the key check refuses their next key
either way, since it asks the grants)."""

from __future__ import annotations

import logging

from coursevault.database.db import Database
from coursevault.enrollments import service as enrollments
from coursevault.enrollments.models import GrantSource
from coursevault.streaming import service as playback

log = logging.getLogger("coursevault.payments")


async def follow_order(
    *,
    db: Database,
    user_id: str,
    course_id: str,
    source: GrantSource,
    order_id: str,
    version: int,
    active: bool,
    reason: str,
) -> None:
    """Makes USER_ID's grant of COURSE_ID from an order (their own course or bundle order,
    a gift they claimed: SOURCE) follow the order's snapshot VERSION, which an older
    snapshot never overwrites (P4); when it is not ACTIVE, takes the access back."""
    await enrollments.apply_order(
        db=db,
        user_id=user_id,
        course_id=course_id,
        order_id=order_id,
        version=version,
        active=active,
        source=source,
    )
    if not active:
        await _stop(
            db=db,
            user_id=user_id,
            course_id=course_id,
            source=source,
            source_id=order_id,
            why=reason,
        )


async def take_back_source(
    *, db: Database, source: GrantSource, source_id: str, reason: str
) -> list[str]:
    """Takes back every grant of SOURCE_ID (a seat moved, released or refunded) and ends
    its holders' sessions; returns the users whose grant it took back."""
    users = []
    for grant in await enrollments.revoke_source(db=db, source=source, source_id=source_id):
        await _stop(
            db=db,
            user_id=grant["user_id"],
            course_id=grant["course_id"],
            source=source,
            source_id=source_id,
            why=reason,
        )
        users.append(grant["user_id"])
    return users


async def end_sessions_without_access(
    *, db: Database, user_id: str, course_id: str, reason: str
) -> int:
    """Ends USER_ID's live sessions on COURSE_ID unless another grant still opens it (a
    grant was just taken back: P5); returns how many ended."""
    if await enrollments.is_active(db=db, user_id=user_id, course_id=course_id, published=True):
        return 0
    return await playback.end_for_course(db=db, user_id=user_id, course_id=course_id, reason=reason)


async def _stop(
    *, db: Database, user_id: str, course_id: str, source: GrantSource, source_id: str, why: str
) -> None:
    ended = await end_sessions_without_access(
        db=db, user_id=user_id, course_id=course_id, reason=why
    )
    log.info(
        "access taken back (%s) source=%s:%s user=%s course=%s sessions_ended=%d",
        why,
        source,
        source_id,
        user_id,
        course_id,
        ended,
    )
