"""A chat's last search, kept in aiogram's FSM data (bot.storage: the database), so follow-ups
and buttons work after a restart and whichever bot process gets the update."""

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiogram.fsm.context import FSMContext

from core.money import Rates

KEY = "search"  # the FSM data key; others are free for later features


@dataclass(slots=True)
class Search:
    """A chat's last search: its id (the buttons carry it), filters, language and money."""

    id: int
    filters: dict[str, Any]
    language: str
    currency: str  # prices are shown in it, yen beside; JPY: yen alone
    rates: Rates  # the rates of the search's conversion, shown with their date
    ignored: tuple[str, ...] = ()  # values the search could not use, as shown
    unknown: tuple[str, ...] = ()  # words of the message the bot could not read

    def to_data(self) -> dict[str, Any]:
        """The search as JSON-ready FSM data."""
        as_of = self.rates.as_of.isoformat() if self.rates.as_of else None
        return {
            "id": self.id, "filters": self.filters, "language": self.language,
            "currency": self.currency, "ignored": list(self.ignored), "unknown": list(self.unknown),
            "rates": {"yen_per": dict(self.rates.yen_per), "as_of": as_of,
                      "source": self.rates.source},
        }  # fmt: skip

    @classmethod
    def from_data(cls, data: Any) -> "Search | None":
        """The search stored by `to_data`; None for none (or one of an older shape)."""
        try:
            rates = data["rates"]
            as_of = date.fromisoformat(rates["as_of"]) if rates["as_of"] else None
            return cls(
                int(data["id"]), dict(data["filters"]), str(data["language"]),
                str(data["currency"]), Rates(dict(rates["yen_per"]), as_of, str(rates["source"])),
                tuple(data["ignored"]), tuple(data["unknown"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            return None


async def last_search(state: FSMContext) -> Search | None:
    """The chat's last search, if it has one."""
    return Search.from_data((await state.get_data()).get(KEY))


async def save(state: FSMContext, search: Search) -> None:
    """Make `search` the chat's last search."""
    await state.update_data({KEY: search.to_data()})


async def forget(state: FSMContext) -> None:
    """Drop the chat's search (/reset), leaving any other data."""
    await state.update_data({KEY: None})


def next_id(previous: Search | None) -> int:
    """A new search id: the clock in ms, so a button of a search before a restart or in
    another process never matches a newer one; above the previous id at any rate."""
    now = time.time_ns() // 1_000_000
    return max(now, previous.id + 1) if previous else now
