"""Every start ensures every index, asking the database only for the missing ones
(`coursevault.database.indexes`): real PyMongo against the embedded server, counted by
pymongo's own command monitoring on a client of the test's own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import DuplicateKeyError, OperationFailure

from coursevault import repos
from coursevault.config import Settings
from coursevault.database import embedded_server
from coursevault.database.db import Document


class Sent(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def watched(settings: Settings) -> AsyncIterator[tuple[AsyncMongoClient[Document], Sent]]:
    sent = Sent()
    server = embedded_server.ensure_running(settings.data_dir)
    client: AsyncMongoClient[Document] = AsyncMongoClient(server.uri, event_listeners=[sent])
    yield client, sent
    await client.close()


async def test_a_start_asks_only_for_indexes_that_are_missing(
    settings: Settings, watched: tuple[AsyncMongoClient[Document], Sent]
) -> None:
    client, sent = watched
    db = client[settings.mongodb_database]
    await repos.ensure_indexes(db)
    assert sent.names.count("createIndexes") > 50  # a fresh database: every index made

    sent.names.clear()
    await repos.ensure_indexes(db)  # the next start
    assert sent.names.count("createIndexes") == 0

    # One dropped (by hand, or by a migration) is made again, with its options.
    await db.users.drop_index("email_1")
    await db.refresh_tokens.drop_index("expires_at_1")
    sent.names.clear()
    await repos.ensure_indexes(db)
    assert sent.names.count("createIndexes") == 2
    info = await db.refresh_tokens.index_information()
    assert info["expires_at_1"]["expireAfterSeconds"] == 0
    await db.users.insert_one({"email": "same@example.com"})
    with pytest.raises(DuplicateKeyError):
        await db.users.insert_one({"email": "same@example.com"})


async def test_an_index_with_other_options_is_not_taken_for_the_one_asked_for(
    settings: Settings, watched: tuple[AsyncMongoClient[Document], Sent]
) -> None:
    client, sent = watched
    db = client[settings.mongodb_database]
    await repos.ensure_indexes(db)
    # The same keys without `unique`: the start still asks for the unique one, and the
    # database answers as it always did (MongoDB refuses two options under one name).
    await db.users.drop_index("email_1")
    await db.users.create_index("email")
    sent.names.clear()
    with contextlib.suppress(OperationFailure):
        await repos.ensure_indexes(db)
    assert "createIndexes" in sent.names
