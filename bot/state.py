"""What the bot remembers per chat, in memory and bounded: the last search, for follow-ups."""

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from bot.parser import Conversion

_K = TypeVar("_K")
_V = TypeVar("_V")


class LRU(Generic[_K, _V]):
    """A dict that forgets its least recently used keys beyond `size`."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[_K, _V] = OrderedDict()

    def get(self, key: _K) -> _V | None:
        """The value of `key`, now the most recently used, or None."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: _K, value: _V) -> None:
        """Store `value`, forgetting the least recently used key if full."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._size:
            self._items.popitem(last=False)

    def pop(self, key: _K) -> None:
        """Forget `key`, if known."""
        self._items.pop(key, None)


@dataclass(slots=True)
class Search:
    """A chat's last search: its id (the buttons carry it), filters and language."""

    id: int
    filters: dict[str, Any]
    language: str
    conversions: tuple[Conversion, ...] = field(default=())
    ignored: tuple[str, ...] = field(default=())  # values the search could not use, as shown


class ChatMemory:
    """The last search of each chat; chats beyond `size` are forgotten, oldest first."""

    def __init__(self, size: int = 10_000) -> None:
        self._searches: LRU[int, Search] = LRU(size)
        # Ids start at the clock, so a button sent before a restart never matches a new search.
        self._ids = itertools.count(int(datetime.now(UTC).timestamp() * 1000))

    def get(self, chat_id: int) -> Search | None:
        """The chat's last search, if it is remembered."""
        return self._searches.get(chat_id)

    def remember(
        self,
        chat_id: int,
        filters: dict[str, Any],
        language: str,
        conversions: tuple[Conversion, ...] = (),
        ignored: tuple[str, ...] = (),
    ) -> Search:
        """Make `filters` the chat's last search, under a new id."""
        search = Search(next(self._ids), filters, language, conversions, ignored)
        self._searches.put(chat_id, search)
        return search

    def forget(self, chat_id: int) -> None:
        """Drop the chat's search (/reset)."""
        self._searches.pop(chat_id)
