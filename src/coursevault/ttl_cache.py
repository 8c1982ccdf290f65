"""A small in-process cache whose entries are trusted for a caller-given number of seconds.

The key endpoint is the hot path (every viewer, every period); it may reuse an access
decision for `COURSEVAULT_ACCESS_CACHE_SECONDS`, which is part of the documented
revocation bound. Writes made in this process forget their entries at once, so only
changes made by *another* process wait for the entry to age out.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable


class TtlCache[K, V]:
    def __init__(self, max_items: int = 50_000) -> None:
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._max = max_items

    def get(self, key: K, max_age: float) -> V | None:
        """Returns the value stored for KEY if it is at most MAX_AGE seconds old."""
        if max_age <= 0:
            return None
        item = self._items.get(key)
        if item is None or time.monotonic() - item[0] > max_age:
            return None
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

    def clear(self) -> None:
        self._items.clear()
