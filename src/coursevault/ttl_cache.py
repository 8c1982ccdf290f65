"""A small in-process cache whose entries are trusted for a caller-given number of seconds,
and the registry of every such cache.

The key endpoint is the hot path (every viewer, every period); it may reuse an access
decision for `COURSEVAULT_ACCESS_CACHE_SECONDS`, which is part of the documented
revocation bound. Writes made in this process forget their entries at once, so only
changes made by *another* process wait for the entry to age out.

Every cache has a name and is listed here as it is made: `caches()` finds them all (the
caches on the key path are listed in docs/architecture.md), `clear_all()` empties them for
tests, and `/metrics` counts each one's hits and misses (`coursevault_cache_*_total`).
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from coursevault import metrics

# Weak: a cache made per object (one per S3 store) goes with its object.
_registry: weakref.WeakSet[TtlCache[Any, Any]] = weakref.WeakSet()


class TtlCache[K, V]:
    def __init__(self, name: str, max_items: int = 50_000) -> None:
        self.name = name
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._max = max_items
        # Bound once: a lookup on the hot path only adds one to a counter.
        self._hits = metrics.CACHE_HITS.labels(name)
        self._misses = metrics.CACHE_MISSES.labels(name)
        _registry.add(self)

    def get(self, key: K, max_age: float) -> V | None:
        """Returns the value stored for KEY if it is at most MAX_AGE seconds old."""
        if max_age <= 0:
            return None  # the caller wants a fresh read: neither a hit nor a miss
        item = self._items.get(key)
        if item is None or time.monotonic() - item[0] > max_age:
            self._misses.inc()
            return None
        self._hits.inc()
        return item[1]

    async def get_or_load(
        self, key: K, max_age: float, load: Callable[[], Awaitable[V | None]]
    ) -> V | None:
        """Returns KEY's value if at most MAX_AGE seconds old, else LOAD's answer, which is
        kept for the next caller (None, "not found", is not kept)."""
        cached = self.get(key, max_age)
        if cached is not None:
            return cached
        value = await load()
        if value is not None:
            self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def forget(self, key: K) -> None:
        self._items.pop(key, None)

    def forget_matching(self, doomed: Callable[[K], bool]) -> None:
        """Forgets every entry whose key DOOMED accepts (a change that reaches many keys,
        e.g. all of one user's; rare, so a walk over the entries is fine)."""
        for key in [key for key in self._items if doomed(key)]:
            self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


def caches() -> list[TtlCache[Any, Any]]:
    """Every cache of this process, by name."""
    return sorted(_registry, key=lambda cache: cache.name)


def clear_all() -> None:
    """Empties every cache of this process (tests: nothing read before is reused)."""
    for cache in list(_registry):
        cache.clear()
