"""Outer middlewares, run for every update in this order: access, rate limit, (aiogram's FSM
context,) DB session."""

import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Generic, TypeVar

from aiogram import BaseMiddleware, Bot
from aiogram.types import Chat, TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.texts import language_of, message

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
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


async def _tell(bot: Bot, event: TelegramObject, chat: Chat | None, text: str) -> None:
    """Say `text` to whoever sent `event`: an alert for a button press, else a message."""
    if isinstance(event, Update) and event.callback_query is not None:
        await bot.answer_callback_query(event.callback_query.id, text=text, show_alert=True)
    elif chat is not None:
        await bot.send_message(chat.id, text)


class AccessMiddleware(BaseMiddleware):
    """Let only the allowed Telegram users through; an empty allow-list lets everyone in."""

    def __init__(self, allowed: Collection[int]) -> None:
        self._allowed = frozenset(allowed)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Refuse a stranger politely; pass anyone else on."""
        user: User | None = data.get("event_from_user")
        if not self._allowed or (user is not None and user.id in self._allowed):
            return await handler(event, data)
        if user is not None:
            refusal = message(language_of(user.language_code), "refused", user_id=user.id)
            await _tell(data["bot"], event, data.get("event_chat"), refusal)
        return None


class RateLimitMiddleware(BaseMiddleware):
    """At most `limit` updates per chat in any `window` seconds; the rest are dropped.

    Counted per process: a flood is held off by whichever process it reaches.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_chats: int = 10_000,
    ) -> None:
        self._limit, self._window, self._clock = limit, window, clock
        self._seen: LRU[int, deque[float]] = LRU(max_chats)
        self._warned: LRU[int, bool] = LRU(max_chats)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Pass the update on, or drop it, warning the chat once per flood."""
        chat: Chat | None = data.get("event_chat")
        if chat is None:
            return await handler(event, data)
        now = self._clock()
        seen = self._seen.get(chat.id) or deque()
        self._seen.put(chat.id, seen)
        while seen and seen[0] <= now - self._window:
            seen.popleft()
        if len(seen) < self._limit:
            seen.append(now)
            self._warned.pop(chat.id)
            return await handler(event, data)
        # One warning per flood: answering every dropped message would be a flood of our own.
        if not self._warned.get(chat.id):
            self._warned.put(chat.id, True)
            user: User | None = data.get("event_from_user")
            seconds = math.ceil(seen[0] + self._window - now)
            text = message(
                language_of(user.language_code if user else None), "slow_down", seconds=seconds
            )
            await _tell(data["bot"], event, chat, text)
        return None


class DbSessionMiddleware(BaseMiddleware):
    """Give each update its own AsyncSession as `session`; commit when the handler returns."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Open a session, run the handler, commit, and always close (which rolls back)."""
        async with self._sessions() as session:
            data["session"] = session
            result = await handler(event, data)
            await session.commit()
            return result
