"""Saved searches' alerts: after each crawl that stored anything, one message per search with
its new matching cars and price drops (core.alerts decides what; this sends it).

Every ALERT_POLL_SECONDS the bot looks for the last storing crawl (`stored_until`); each saved
search behind it is told what changed since its last alert, and its watermark is moved
(`claim`) before the message goes out: two bot processes never send one alert twice, and a
process that dies in between loses that one alert rather than repeating it. Nothing new moves
the watermark and sends nothing. A failing search is logged and tried again next round; a
database outage ends the round, which the next one repeats.
"""

import asyncio
import logging
from collections.abc import Coroutine
from contextlib import suppress
from datetime import datetime, timedelta
from html import escape
from typing import Any

from aiogram import Bot
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.saved import unsubscribe_keyboard
from bot.sending import Pacer, deliver
from core import alerts
from core.models import SavedSearch
from core.money import Rates, current_rates
from core.settings import Settings

log = logging.getLogger("bot.alerts")

# An alert's HTML, kept under Telegram's 4096 characters (counted on the text without its tags)
# with room for the line Unsubscribe adds to it.
MAX_ALERT = 3900


def _section(
    language: str, key: str, count: int, lines: list[str], *, shown_all: bool
) -> list[str]:
    """A heading ("New: 23", then " (first 10)" when not all are shown) and the cars."""
    if not count:
        return []
    heading = texts.message(language, key, count=count)
    if not shown_all:
        heading += texts.message(language, "alert_first", shown=len(lines))
    return ["", f"<b>{escape(heading)}</b>", *lines]


def alert_text(alert: alerts.Alert, rates: Rates, web_base_url: str) -> str:
    """The alert of a saved search in its language and currency: its name, the new cars, the
    price drops, and a link to the search in the web app; the last cars of the longer list
    left out while it is too long for one message."""
    search = alert.search
    language, money = search.language, texts.Money(search.currency, rates)
    new = [
        texts.car_lines(language, number, car, money)
        for number, car in enumerate(alert.new, start=1)
    ]
    drops = []
    for number, drop in enumerate(alert.drops, start=1):
        now = texts.effective_price(drop.car)
        assert now is not None  # it fell to a price
        price = texts.message(
            language, "alert_drop", was=money.show(drop.was_jpy), now=money.show(now),
            percent=f"{drop.percent:.0f}",
        )  # fmt: skip
        drops.append(texts.car_lines(language, number, drop.car, money, price))
    link = alerts.web_link(web_base_url, alerts.search_filters(search))
    while True:
        lines = [f"🔔 <b>{escape(search.name)}</b>"]
        if money.currency != "JPY":
            lines.append(escape(texts.describe_rate(language, money)))
        lines += _section(language, "alert_new", alert.new_count, new,
                          shown_all=len(new) == alert.new_count)  # fmt: skip
        lines += _section(language, "alert_drops", alert.drop_count, drops,
                          shown_all=len(drops) == alert.drop_count)  # fmt: skip
        lines += [
            "",
            f'<a href="{escape(link)}">{escape(texts.message(language, "alert_all"))}</a>',
        ]
        text = "\n".join(lines)
        if len(text) <= MAX_ALERT or not (new or drops):
            return text
        (new if len(new) >= len(drops) else drops).pop()


def _database_down(error: Exception) -> bool:
    """Whether `error` says the database cannot be reached (rather than this search failed)."""
    if isinstance(error, OperationalError | InterfaceError | OSError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


async def _after(previous: asyncio.Task[int] | None, send: Coroutine[Any, Any, bool]) -> int:
    """Wait for the chat's previous sends, then send; how many of them all were delivered."""
    delivered = await previous if previous is not None else 0
    return delivered + await send


class Alerts:
    """The alerts loop of one bot process, started and stopped with its dispatcher."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        pacer: Pacer | None = None,
    ) -> None:
        self._settings, self._sessions = settings, sessions
        self._pacer = pacer or Pacer()
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0  # rounds finished, for whoever waits for one (tests)

    async def start(self, bot: Bot) -> None:
        """Start looking for alerts to send, in the background (the dispatcher's startup)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(bot), name="alerts")

    async def stop(self) -> None:
        """Stop looking, dropping any round under way (the dispatcher's shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, bot: Bot) -> None:
        while True:
            try:
                await self.round(bot)
            except Exception as error:
                if not _database_down(error):
                    log.exception("alerts: the round failed")
                else:
                    log.warning("alerts: database unavailable, trying next round: %s", error)
            self.rounds += 1
            await asyncio.sleep(self._settings.alert_poll_seconds)

    async def round(self, bot: Bot) -> int:
        """Tell every saved search behind the last storing crawl; how many alerts went out."""
        async with self._sessions() as session:
            settle = timedelta(seconds=self._settings.alert_settle_seconds)
            until = await alerts.stored_until(session=session, settle=settle)
            due = await alerts.behind(until, session=session) if until else []
            if until is None or not due:
                return 0
            rates = await current_rates(session=session, settings=self._settings)
        # Each chat's alerts go out one after another (its pace counts from the last one
        # Telegram took), the chats' side by side, each as soon as it is claimed.
        sending: dict[int, asyncio.Task[int]] = {}
        try:
            for search, chat_id in due:
                if (text := await self._claim(search, chat_id, until, rates)) is not None:
                    keyboard = unsubscribe_keyboard(search.language, search.id)
                    send = deliver(bot, self._pacer, chat_id, text, keyboard)
                    sending[chat_id] = asyncio.create_task(_after(sending.get(chat_id), send))
        finally:
            # Claimed alerts go out even when the database fails half-way through the round.
            delivered = await asyncio.gather(*sending.values())
        return sum(delivered)

    async def _claim(
        self, search: SavedSearch, chat_id: int, until: datetime, rates: Rates
    ) -> str | None:
        """The alert to send for `search`, now claimed; None when there is nothing new, another
        process claimed it, or it failed (logged, and tried again next round)."""
        try:
            async with self._sessions() as session:
                alert = await alerts.changes(
                    search, chat_id, until,
                    drop_percent=self._settings.alert_price_drop_percent, session=session,
                )  # fmt: skip
                # Written before the claim: a search whose text fails stays due.
                text = (
                    None if alert.empty else alert_text(alert, rates, self._settings.web_base_url)
                )
                if not await alerts.claim(alert, session=session):
                    return None
                await session.commit()
                return text
        except Exception as error:
            if _database_down(error):
                raise
            log.exception("alerts: saved search %s failed; it is tried again next round", search.id)
            return None
