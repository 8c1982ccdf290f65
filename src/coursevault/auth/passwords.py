"""Argon2id password hashing (W1) and password policy (W4, W5, W6, W9)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from coursevault.auth import breached
from coursevault.config import Settings
from coursevault.i18n import Msg, msg

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


# W5: zxcvbn scores 0-4 from its offline lists (common passwords, words, names) and
# patterns (keyboard runs, dates, l33t); 0 and 1 mean "guessed within about a million
# tries", as `Password123!` and `password1234` are. Only the first 72 characters are
# scored (the library's own bound: its matcher is quadratic), and a longer passphrase is
# not the weak kind.
MIN_GUESS_SCORE = 2
SCORED_CHARACTERS = 72

# W9: said plainly, so the person knows what to change.
REFUSALS = {
    breached.Finding.breached: msg(
        "This password is on the lists of leaked and well-known passwords that attackers "
        "try first; choose another, such as a few unrelated words"
    ),
    breached.Finding.decorated_word: msg(
        "This password is a common word with a few digits or symbols added (like "
        "Summer2026!), which attackers try first; choose another, such as a few unrelated words"
    ),
}


def normalized(password: str) -> str:
    """W6: the password as hashed and verified (NFKC), so the same passphrase typed on
    another keyboard or system, in another Unicode form, still signs in."""
    return unicodedata.normalize("NFKC", password)


def policy_problem(
    password: str, *, min_length: int, personal: tuple[str, ...] | None = None
) -> Msg | None:
    """Returns why PASSWORD is refused, or None; counts characters, never truncates.

    With PERSONAL (the account's email and name) given, a password that is too easy to
    guess (common, or built from those) is refused too; sign-in passes None.
    """
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        return msg("Password must be at most {limit} bytes", limit=MAX_PASSWORD_BYTES)
    if len(password) < min_length:
        return msg("Password must be at least {length} characters", length=min_length)
    if personal is not None:
        found = breached.finding(normalized(password))
        if found is not None:
            return REFUSALS[found]
        inputs = [part for value in personal for part in value.replace("@", " ").split()]
        if zxcvbn(normalized(password)[:SCORED_CHARACTERS], inputs)["score"] < MIN_GUESS_SCORE:
            return msg(
                "This password is too common or too easy to guess; "
                "try a few unrelated words or a longer phrase"
            )
    return None


def hash_password(settings: Settings, password: str) -> str:
    """Returns the Argon2id hash of PASSWORD (normalised) with the configured parameters."""
    return hasher(settings).hash(normalized(password))


def _matches(settings: Settings, stored_hash: str, password: str) -> bool:
    try:
        return hasher(settings).verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Verdict:
    matched: bool
    rehash: bool = False  # matched a hash with weaker parameters (W1) or made before W6


def verify_password(settings: Settings, stored_hash: str, password: str) -> Verdict:
    """Checks PASSWORD against STORED_HASH, made before or after W6 (one Argon2 run, two
    only for a password that normalisation changes and an older hash)."""
    if _matches(settings, stored_hash, normalized(password)):
        try:
            weaker = hasher(settings).check_needs_rehash(stored_hash)
        except InvalidHashError:
            weaker = True
        return Verdict(matched=True, rehash=weaker)
    if normalized(password) != password and _matches(settings, stored_hash, password):
        return Verdict(matched=True, rehash=True)
    return Verdict(matched=False)


@lru_cache(maxsize=8)
def _dummy_hash(memory_kib: int, time_cost: int, parallelism: int) -> str:
    return _hasher(memory_kib, time_cost, parallelism).hash("coursevault-no-such-user")


def burn_verification(settings: Settings, password: str) -> None:
    """Spends the time of one real verification, so unknown emails answer as slowly (W2)."""
    dummy = _dummy_hash(
        settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
    )
    verify_password(settings, dummy, password)
