"""What every `coursevault` command shares: settings, the database, and how a command
stops with a message."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import typer

from coursevault import repos
from coursevault.config import ConfigError, Settings
from coursevault.database import db
from coursevault.errors import AppError


class CliError(Exception):
    """A command cannot go on; the message is printed and the exit status is 1."""


def settings_or_exit() -> Settings:
    try:
        return Settings()
    except (ConfigError, ValueError) as exc:
        typer.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None


def run_with_db[T](action: Callable[[db.Database, Settings], Awaitable[T]]) -> T:
    """Runs ACTION against the database, whether or not the server is running."""
    settings = settings_or_exit()

    async def main() -> T:
        connection = await db.connect(settings)
        try:
            await repos.ensure_indexes(connection.db)
            return await action(connection.db, settings)
        finally:
            await connection.close()

    try:
        return asyncio.run(main())
    except (AppError, CliError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
