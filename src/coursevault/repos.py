"""Imports every feature repo so that their index setups register (see db.ensure_indexes)."""

from coursevault.auth import repo as auth_repo
from coursevault.courses import repo as courses_repo
from coursevault.enrollments import repo as enrollments_repo
from coursevault.jobs import repo as jobs_repo
from coursevault.media import repo as media_repo
from coursevault.payments import repo as payments_repo
from coursevault.streaming import repo as streaming_repo

__all__ = [
    "auth_repo",
    "courses_repo",
    "enrollments_repo",
    "jobs_repo",
    "media_repo",
    "payments_repo",
    "streaming_repo",
]
