"""A small time-to-live cache for the counts behind `total` and the facets."""

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Values by key for `seconds` (0 disables it); cleared whole when it holds too many."""

    def __init__(self, seconds: float, *, max_entries: int = 4096) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable) -> V | None:
        """The live value for `key`, or None."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` for `seconds`, and return it."""
        if self.seconds > 0:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.seconds, value)
        return value
