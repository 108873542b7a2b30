"""The bot's Prometheus counters, kept by an outer middleware; `python -m bot` serves them on
BOT_METRICS_PORT.

The bot is a process of its own, so the API's /metrics cannot see them: scrape the bot.
"""

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from prometheus_client import Counter

from bot.middlewares import Handler

UPDATES = Counter("carsensor_bot_updates_total", "Telegram updates the bot handled")
ERRORS = Counter("carsensor_bot_errors_total", "Telegram updates whose handling raised an error")


class MetricsMiddleware(BaseMiddleware):
    """Count every update, refused and rate-limited ones too, and those that raise."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Pass the update on, counting it, and an error if it raises."""
        UPDATES.inc()
        try:
            return await handler(event, data)
        except Exception:
            ERRORS.inc()
            raise
