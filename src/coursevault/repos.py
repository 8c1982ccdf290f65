"""The wiring floor for storage: every feature repo's index setup, listed once.

The base (`db`) knows no feature; start-up (`app`, the CLI) calls `ensure_indexes` here.
A test checks that every `repo.py` defining `create_indexes` is listed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from coursevault.auth import repo as auth_repo
from coursevault.bundles import repo as bundles_repo
from coursevault.captions import repo as captions_repo
from coursevault.certificates import repo as certificates_repo
from coursevault.courses import repo as courses_repo
from coursevault.database.db import Database
from coursevault.database.indexes import only_missing
from coursevault.enrollments import repo as enrollments_repo
from coursevault.forensic import repo as forensic_repo
from coursevault.gifts import repo as gifts_repo
from coursevault.jobs import repo as jobs_repo
from coursevault.media import repo as media_repo
from coursevault.memberships import repo as memberships_repo
from coursevault.payments import repo as payments_repo
from coursevault.progress import repo as progress_repo
from coursevault.quizzes import repo as quizzes_repo
from coursevault.streaming import repo as streaming_repo
from coursevault.teams import repo as teams_repo
from coursevault.transcripts import repo as transcripts_repo

INDEX_SETUPS: tuple[Callable[[Database], Awaitable[None]], ...] = (
    auth_repo.create_indexes,
    bundles_repo.create_indexes,
    captions_repo.create_indexes,
    certificates_repo.create_indexes,
    courses_repo.create_indexes,
    enrollments_repo.create_indexes,
    forensic_repo.create_indexes,
    gifts_repo.create_indexes,
    jobs_repo.create_indexes,
    media_repo.create_indexes,
    memberships_repo.create_indexes,
    payments_repo.create_indexes,
    progress_repo.create_indexes,
    quizzes_repo.create_indexes,
    streaming_repo.create_indexes,
    teams_repo.create_indexes,
    transcripts_repo.create_indexes,
)


async def ensure_indexes(db: Database) -> None:
    """Creates every collection's indexes; safe to run at every start (one it has with the
    same keys and options is not asked for again: `database.indexes`)."""
    planned = only_missing(db)
    for setup in INDEX_SETUPS:
        await setup(planned)
