"""A small time-to-live cache: the counts behind `total`, the facets, deep pages' anchors."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

logger = logging.getLogger("api.cache")


class TTLCache(Generic[V]):
    """Values by key for `seconds` (0 disables it); cleared whole when it holds too many.

    `get_or_compute` also serves a value for up to `seconds` more after it expires, while one
    background task computes its replacement (stale-while-revalidate): a count that takes
    50 ms is then never on a request's path once it has been computed, and a total lags by
    at most twice `seconds` plus one count.
    """

    def __init__(self, seconds: float, *, max_entries: int = 4096) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._pending: dict[Hashable, asyncio.Future[V]] = {}
        self._refreshing: dict[Hashable, asyncio.Task[None]] = {}

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

    def _servable(
        self, key: Hashable, compute: Callable[[], Awaitable[V]]
    ) -> tuple[float, V] | None:
        """A live entry, or one that expired less than `seconds` ago while one background task
        computes its replacement; None for anything older."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = time.monotonic()
        if entry[0] + self.seconds <= now:
            return None
        if entry[0] <= now:
            self._start(key, compute)
        return entry

    def _start(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> None:
        if key not in self._refreshing:
            self._refreshing[key] = asyncio.create_task(self._refresh(key, compute))

    def get_or_start(
        self, key: Hashable, compute: Callable[[], Awaitable[V]], *, busy: int = 4
    ) -> V | None:
        """The value for `key` (a stale one while it is refreshed), or None while one background
        task computes it: for values that only speed a request up, so none has to wait.

        Nothing new is started while `busy` background tasks run: a burst of one-off keys
        then costs nothing more than it did without the cache.
        """
        if self.seconds <= 0:
            return None
        entry = self._servable(key, compute)
        if entry is None:
            if len(self._refreshing) < busy:
                self._start(key, compute)
            return None
        return entry[1]

    async def get_or_compute(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> V:
        """The live value for `key`, or `compute()`'s, computed once however many ask at once.

        When an entry expires under load, the requests that miss it wait for the one query
        already running instead of each starting their own (a count can take 50 ms). An entry
        that expired less than `seconds` ago is still answered, while one background task
        computes its replacement with `compute` (which must not use the request's connection).
        """
        entry = self._servable(key, compute)
        if entry is not None:
            return entry[1]
        if self.seconds <= 0:
            return await compute()
        pending = self._pending.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this request was cancelled, not the computation
                return await compute()  # the computation failed: try on our own
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await compute()
        except BaseException:
            future.cancel()
            raise
        finally:
            del self._pending[key]
        future.set_result(self.put(key, value))
        return value

    async def _refresh(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> None:
        """Replace a stale entry in the background; on failure the stale one just ages out."""
        try:
            self.put(key, await compute())
        except Exception as error:  # a request will compute it again, and see the error
            logger.warning("background refresh failed: %s", type(error).__name__)
        finally:
            del self._refreshing[key]
