"""Index set-up that asks only for what is missing.

Every start ensures every index (`coursevault.repos.ensure_indexes`). On the embedded
engine a `create_index` for an index that already exists still costs about 1.4 ms (it
lists the store's collections), 63 of them a start; reading a collection's indexes once
costs about 0.6 ms. `only_missing(db)` is the database as the index set-ups see it: a
`create_index` whose keys and options match an index the collection has is answered from
that list, anything else (a new index, changed options, every other call) goes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection

from coursevault.database.db import Database, Document

# The options the set-ups give (any other makes the call go through).
_FLAGS = ("unique", "sparse")
_KNOWN = {*_FLAGS, "expireAfterSeconds", "partialFilterExpression", "name"}


def _keys(spec: Any) -> list[tuple[str, int]]:
    pairs = [(spec, 1)] if isinstance(spec, str) else list(spec)
    return [(str(field), int(direction)) for field, direction in pairs]


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


def _matches(info: Mapping[str, Any], keys: list[tuple[str, int]], options: Document) -> bool:
    """Whether the index INFO (as `index_information` describes it) is the one asked for."""
    return (
        set(options) <= _KNOWN
        and _keys(info.get("key", [])) == keys
        and all(bool(info.get(flag)) == bool(options.get(flag)) for flag in _FLAGS)
        and _seconds(info.get("expireAfterSeconds")) == _seconds(options.get("expireAfterSeconds"))
        and dict(info.get("partialFilterExpression") or {})
        == dict(options.get("partialFilterExpression") or {})
    )


class _Collection:
    """A collection whose `create_index` skips an index it has; the rest is the collection."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._indexes: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        if name in {"drop_index", "drop_indexes"}:
            self._indexes = None  # what it had is no longer what it has
        return getattr(self._collection, name)

    async def create_index(self, keys: Any, **options: Any) -> str:
        if self._indexes is None:
            self._indexes = dict(await self._collection.index_information())
        wanted = _keys(keys)
        for name, info in self._indexes.items():
            if _matches(info, wanted, options) and options.get("name", name) == name:
                return name
        self._indexes = None
        return await self._collection.create_index(keys, **options)


class _Database:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._collections: dict[str, _Collection] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._db, name)
        return self[name] if isinstance(found, AsyncCollection) else found

    def __getitem__(self, name: str) -> _Collection:
        if name not in self._collections:
            self._collections[name] = _Collection(self._db[name])
        return self._collections[name]


def only_missing(db: Database) -> Database:
    """DB as the index set-ups see it (typed as the database they are written against)."""
    return cast(Database, _Database(db))
