"""A small time-to-live cache for the counts behind `total` and the facets."""

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    """Values by key for `seconds` (0 disables it); cleared whole when it holds too many."""

    def __init__(self, seconds: float, *, max_entries: int = 4096) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value for `key`, or `compute()` stored for next time."""
        if self.seconds <= 0:
            return compute()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = compute()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (now + self.seconds, value)
        return value
