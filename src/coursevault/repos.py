"""Imports every feature repo so that their index setups register (see db.ensure_indexes)."""

from coursevault.auth import repo as auth_repo
from coursevault.jobs import repo as jobs_repo
from coursevault.media import repo as media_repo
from coursevault.streaming import repo as streaming_repo

__all__ = ["auth_repo", "jobs_repo", "media_repo", "streaming_repo"]
