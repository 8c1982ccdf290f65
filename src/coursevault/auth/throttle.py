"""Login throttling (W3): failure counters per account and per IP, stored in MongoDB.

The account key is the submitted email whether or not an account has it, so a lockout
never reveals which emails exist (W2).
"""

from __future__ import annotations

from datetime import timedelta

from coursevault import clock
from coursevault.auth import errors
from coursevault.auth import repo as auth_repo
from coursevault.config import Settings
from coursevault.database.db import Database

MAX_LOCKOUT = timedelta(hours=1)


def _keys(email: str, ip: str) -> tuple[str, str]:
    return f"account:{email}", f"ip:{ip}"


async def check(*, db: Database, email: str, ip: str) -> None:
    """Raises 429 with Retry-After while the account or the IP is locked."""
    now = clock.now()
    locked = [
        doc["locked_until"]
        for doc in await auth_repo.throttle_state(db=db, keys=list(_keys(email, ip)))
        if doc.get("locked_until") and doc["locked_until"] > now
    ]
    if locked:
        raise errors.too_many_attempts((max(locked) - now).total_seconds())


async def record_failure(*, db: Database, settings: Settings, email: str, ip: str) -> None:
    """Counts a failed sign-in; locks the account (backing off) or the IP past their limits."""
    window = timedelta(seconds=settings.login_failure_window_seconds)
    account_key, ip_key = _keys(email, ip)
    account = await auth_repo.record_failure(db=db, key=account_key, window=window)
    over = account["failures"] - settings.login_max_failures_per_account
    if over >= 0:
        # Each failure past the limit doubles the wait, up to an hour.
        wait = min(
            timedelta(seconds=settings.login_lockout_seconds) * (2 ** min(over, 12)), MAX_LOCKOUT
        )
        await auth_repo.lock_until(db=db, key=account_key, until=clock.now() + wait)
    per_ip = await auth_repo.record_failure(db=db, key=ip_key, window=window)
    if per_ip["failures"] >= settings.login_max_failures_per_ip:
        await auth_repo.lock_until(db=db, key=ip_key, until=per_ip["window_start"] + window)


async def record_success(*, db: Database, email: str) -> None:
    """Forgets the account's failures; the IP's count stays until its window ends."""
    await auth_repo.clear_throttle(db=db, key=_keys(email, "")[0])
