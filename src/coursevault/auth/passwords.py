"""Argon2id password hashing (W1) and password policy (W4)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from coursevault.config import Settings

# W4: refuse before hashing so a megabyte "password" never reaches Argon2.
MAX_PASSWORD_BYTES = 1024


@lru_cache(maxsize=8)
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(
        settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
    )


def policy_problem(password: str, *, min_length: int) -> str | None:
    """Returns why PASSWORD is refused, or None; counts characters, never truncates."""
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        return f"Password must be at most {MAX_PASSWORD_BYTES} bytes"
    if len(password) < min_length:
        return f"Password must be at least {min_length} characters"
    return None


def hash_password(settings: Settings, password: str) -> str:
    """Returns the Argon2id hash of PASSWORD with the configured parameters."""
    return hasher(settings).hash(password)


def verify_password(settings: Settings, stored_hash: str, password: str) -> bool:
    """Returns whether PASSWORD matches STORED_HASH."""
    try:
        return hasher(settings).verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(settings: Settings, stored_hash: str) -> bool:
    """Returns whether STORED_HASH was made with weaker parameters than configured now."""
    try:
        return hasher(settings).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=8)
def _dummy_hash(memory_kib: int, time_cost: int, parallelism: int) -> str:
    return _hasher(memory_kib, time_cost, parallelism).hash("coursevault-no-such-user")


def burn_verification(settings: Settings, password: str) -> None:
    """Spends the time of one real verification, so unknown emails answer as slowly (W2)."""
    dummy = _dummy_hash(
        settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
    )
    verify_password(settings, dummy, password)
