"""Messages the bot sends on its own (alerts), within Telegram's limits.

Telegram allows a bot about one message a second in a chat and about 30 a second in all; past
them it answers 429 with `retry_after`. A Pacer hands out sending slots under both limits
(a second apart per chat, PER_SECOND overall); `deliver` waits for a slot, sends, and on a 429
holds every send of the pacer for `retry_after` before trying again. The pacer is per process:
two bot processes each keep their own pace.
"""

import asyncio
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup

from bot.middlewares import LRU

log = logging.getLogger("bot.sending")

CHAT_INTERVAL = 1.0  # seconds between two messages to one chat
PER_SECOND = 25.0  # messages a second in all, under Telegram's ~30
RETRIES = 3  # sends after a 429, each after its retry_after


class Pacer:
    """Sending slots: one per chat every `chat_interval` seconds, `per_second` in all."""

    def __init__(
        self,
        *,
        chat_interval: float = CHAT_INTERVAL,
        per_second: float = PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        max_chats: int = 10_000,
    ) -> None:
        self._chat_interval, self._interval, self._clock = chat_interval, 1 / per_second, clock
        # A chat forgotten here has had no message for longer than it takes to send to
        # max_chats others: its next slot is long past.
        self._next_in_chat: LRU[int, float] = LRU(max_chats)
        self._next = 0.0

    def reserve(self, chat_id: int) -> float:
        """Book the chat's next slot; how many seconds from now it is."""
        now = self._clock()
        at = max(now, self._next, self._next_in_chat.get(chat_id) or 0.0)
        self._next_in_chat.put(chat_id, at + self._chat_interval)
        self._next = at + self._interval
        return at - now

    def sent(self, chat_id: int) -> None:
        """A send to the chat just ended: its next slot is a whole interval from now, whenever
        Telegram received this one."""
        done = self._clock() + self._chat_interval
        self._next_in_chat.put(chat_id, max(done, self._next_in_chat.get(chat_id) or 0.0))

    def hold(self, seconds: float) -> None:
        """No slot before `seconds` from now: Telegram asked every send to wait."""
        self._next = max(self._next, self._clock() + seconds)


async def deliver(
    bot: Bot,
    pacer: Pacer,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
    *,
    retries: int = RETRIES,
) -> bool:
    """Send `text` to the chat in its slot, retrying after a 429; whether it was delivered.

    A chat that blocked the bot (403), or any other refusal, is logged and not retried; so is a
    message still refused with 429 after `retries` retries. Sends to one chat are to be made
    one after another: each counts its pace from the end of the one before.
    """
    for attempt in range(retries + 1):
        await asyncio.sleep(pacer.reserve(chat_id))
        try:
            await bot.send_message(chat_id, text, reply_markup=reply_markup)
            return True
        except TelegramRetryAfter as error:
            log.warning(
                "chat %s: Telegram asks to retry after %s s (attempt %d of %d)",
                chat_id, error.retry_after, attempt + 1, retries + 1,
            )  # fmt: skip
            pacer.hold(error.retry_after)
        except TelegramForbiddenError as error:
            log.warning("chat %s: not sent, the bot may not write there: %s", chat_id, error)
            return False
        except TelegramAPIError as error:  # network errors too
            log.warning("chat %s: not sent: %s", chat_id, error)
            return False
        finally:
            pacer.sent(chat_id)
    log.error("chat %s: not sent, still 429 after %d retries", chat_id, retries)
    return False
