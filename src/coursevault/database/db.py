"""Database connection: the embedded server or COURSEVAULT_MONGODB_URI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from coursevault.config import Settings
from coursevault.database import embedded_server, supervision

type Document = dict[str, Any]
type Database = AsyncDatabase[Document]

DatabaseKind = Literal["embedded", "mongodb"]

log = logging.getLogger(__name__)
SUPERVISE_INTERVAL_SECONDS = 1.0


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
    bound = int(settings.db_timeout_seconds * 1000)
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        timeoutMS=bound,  # every operation, retries included (finding: a frozen db hung)
        serverSelectionTimeoutMS=bound,
        connectTimeoutMS=bound,
    )
    return Connection(
        client=client,
        db=client[settings.mongodb_database],
        kind=kind,  # type: ignore[arg-type]
        embedded=embedded,
    )


async def supervise(connection: Connection, settings: Settings, stop: asyncio.Event) -> None:
    """Restarts the embedded database on the same data and port when its process dies
    (kill -9, the OOM killer); the client reconnects by itself. Nothing to do for MongoDB."""
    while connection.embedded is not None and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SUPERVISE_INTERVAL_SECONDS):
                await stop.wait()
        gone = connection.embedded
        if stop.is_set() or gone.alive():
            continue
        log.warning("embedded database (pid %s) is gone; restarting it", gone.pid)
        try:
            # The server belongs to `serve` (when there is one), not to this worker: a
            # worker that dies must not take the database from its siblings (D3).
            connection.embedded = await asyncio.to_thread(
                embedded_server.ensure_running,
                settings.data_dir,
                gone.port,
                supervision.supervisor_pid(),
            )
        except embedded_server.EmbeddedServerError as exc:
            log.error("embedded database did not restart (%s); trying again", exc)
            continue
        log.warning("embedded database running again (pid %s)", connection.embedded.pid)


PING_TIMEOUT_SECONDS = 2.0


async def ping(client: AsyncMongoClient[Document]) -> bool:
    """Returns whether the database answers within PING_TIMEOUT_SECONDS."""
    try:
        async with asyncio.timeout(PING_TIMEOUT_SECONDS):
            await client.admin.command("ping")
    except (PyMongoError, TimeoutError):
        return False
    return True


# Hot-path writes address a document by `_id` alone and carry their condition inside an
# update pipeline. The embedded database forgets what it knows about a collection's
# fields on every write to it, and then re-scans the whole collection, once per field a
# query names, before answering the next query that filters on anything but `_id`
# (docs/performance.md: 37 ms instead of 1.4 ms at 4,000 sessions). A real MongoDB runs
# the same pipeline atomically too.


def set_if(condition: Document, values: Document) -> list[Document]:
    """An update pipeline that sets VALUES only where CONDITION (an aggregation
    expression over the stored document) holds, and leaves the document alone otherwise."""
    return [
        {
            "$set": {
                field: {"$cond": [condition, {"$literal": value}, f"${field}"]}
                for field, value in values.items()
            }
        }
    ]


def any_of(values: Iterable[Any]) -> Document | None:
    """`{"$in": VALUES}`, or None when VALUES is empty: nothing can match then, so the
    caller skips its read. The embedded engine turns `$in: []` on an indexed field into
    SQLite's `IN ()`, a syntax error."""
    found = list(values)
    return {"$in": found} if found else None


def pair_id(first: str, second: str) -> str:
    """The `_id` of a document that exists once per (FIRST, SECOND), e.g. user and lesson."""
    return f"{first}:{second}"


async def upsert(
    collection: AsyncCollection[Document], key: Document, update: Document | list[Document]
) -> Document:
    """Applies UPDATE to the document at KEY, creating it if absent; returns it afterwards.
    Two first writes racing both try to insert: the loser's retry finds the document."""
    for _ in range(2):
        try:
            doc = await collection.find_one_and_update(
                key, update, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            continue
        assert doc is not None  # an upsert always leaves a document
        return doc
    raise RuntimeError(f"upsert into {collection.name} kept colliding")
