"""Imports every feature repo so that their index setups register (see db.ensure_indexes)."""

from coursevault.auth import repo as auth_repo

__all__ = ["auth_repo"]
