"""Database connection: the embedded server or COURSEVAULT_MONGODB_URI."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from coursevault import embedded_server
from coursevault.config import Settings

type Document = dict[str, Any]
type Database = AsyncDatabase[Document]

DatabaseKind = Literal["embedded", "mongodb"]


@dataclass
class Connection:
    client: AsyncMongoClient[Document]
    db: Database
    kind: DatabaseKind
    embedded: embedded_server.EmbeddedServer | None

    async def close(self) -> None:
        await self.client.close()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)


async def connect(settings: Settings) -> Connection:
    """Connects to the configured database, starting the embedded server when none is set."""
    embedded = None
    if settings.mongodb_uri:
        uri, kind = settings.mongodb_uri, "mongodb"
    else:
        embedded = await asyncio.to_thread(embedded_server.ensure_running, settings.data_dir)
        uri, kind = embedded.uri, "embedded"
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=5000, uuidRepresentation="standard"
    )
    return Connection(
        client=client,
        db=client[settings.mongodb_database],
        kind=kind,  # type: ignore[arg-type]
        embedded=embedded,
    )


PING_TIMEOUT_SECONDS = 2.0


async def ping(client: AsyncMongoClient[Document]) -> bool:
    """Returns whether the database answers within PING_TIMEOUT_SECONDS."""
    try:
        async with asyncio.timeout(PING_TIMEOUT_SECONDS):
            await client.admin.command("ping")
    except (PyMongoError, TimeoutError):
        return False
    return True
