"""Money: what a dollar, a euro and a rouble cost in yen, and converting prices with it.

The rates come from settings (YEN_PER_USD…, dated RATES_AS_OF) until a refresh from a public
rates feed stores newer ones in `exchange_rates`; a stored rate wins only when it is newer
than the settings' date. The scheduler refreshes daily when RATES_FEED_URL is set.
"""

import json
import logging
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import ExchangeRate
from core.settings import Settings

if TYPE_CHECKING:
    # Only the API and the bot read rates asynchronously; the crawler has no greenlet.
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

CURRENCIES = ("USD", "EUR", "RUB")
REFRESH_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Rates:
    """The yen price of one unit of each currency, the day it held, and where it came from."""

    yen_per: Mapping[str, float]
    as_of: date | None
    source: str  # "settings", or the feed's address

    def from_yen(self, yen: float, currency: str) -> float:
        """`yen` in `currency` (JPY stays yen)."""
        return yen if currency == "JPY" else yen / self.yen_per[currency]

    def to_yen(self, amount: float, currency: str) -> float:
        """`amount` of `currency` in yen."""
        return amount if currency == "JPY" else amount * self.yen_per[currency]


def settings_rates(settings: Settings) -> Rates:
    """The rates the settings give."""
    yen_per = {c: float(getattr(settings, f"yen_per_{c.lower()}")) for c in CURRENCIES}
    return Rates(yen_per, settings.rates_as_of, "settings")


def _merged(settings: Settings, stored: list[ExchangeRate]) -> Rates:
    """The settings' rates, replaced by the stored ones where those are newer."""
    base = settings_rates(settings)
    newer = {
        row.currency: row
        for row in stored
        if row.currency in CURRENCIES and (base.as_of is None or row.as_of > base.as_of)
    }
    if len(newer) < len(CURRENCIES):
        return base  # one date for all three, so never a mix of old and new
    return Rates(
        {c: newer[c].yen_per_unit for c in CURRENCIES},
        min(row.as_of for row in newer.values()),
        newer[CURRENCIES[0]].source,
    )


async def current_rates(*, session: "AsyncSession", settings: Settings) -> Rates:
    """The rates to convert with now."""
    stored = (await session.execute(select(ExchangeRate))).scalars().all()
    return _merged(settings, list(stored))


def parse_feed(payload: Mapping[str, Any]) -> tuple[dict[str, float], date]:
    """Yen per unit and the date from an open.er-api.com style answer with base JPY.

    The feed gives units per yen ({"rates": {"USD": 0.0066, …}, "time_last_update_unix": …});
    anything else, or a rate that is missing or not positive, is a ValueError.
    """
    if payload.get("result") != "success" or payload.get("base_code") != "JPY":
        raise ValueError(f"not a JPY rates answer: result={payload.get('result')!r}")
    rates = payload.get("rates")
    if not isinstance(rates, Mapping):
        raise ValueError("the answer has no rates")
    yen_per: dict[str, float] = {}
    for currency in CURRENCIES:
        per_yen = rates.get(currency)
        if not isinstance(per_yen, int | float) or isinstance(per_yen, bool) or per_yen <= 0:
            raise ValueError(f"no usable {currency} rate: {per_yen!r}")
        yen_per[currency] = 1 / per_yen
    updated = payload.get("time_last_update_unix")
    if not isinstance(updated, int):
        raise ValueError("the answer has no time_last_update_unix")
    return yen_per, datetime.fromtimestamp(updated, UTC).date()


def rates_due(*, session: Session) -> bool:
    """Whether no refresh has stored rates in the last day."""
    fetched = session.scalar(select(func.max(ExchangeRate.fetched_at)))
    return fetched is None or datetime.now(UTC) - fetched >= REFRESH_EVERY


def refresh_rates(url: str, *, session: Session, timeout: float = 10.0) -> Rates:
    """Read the feed at `url` and store its rates; raises on a network error or a bad answer."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (operator's URL)
        yen_per, as_of = parse_feed(json.load(response))
    now = datetime.now(UTC)
    for currency, value in yen_per.items():
        session.merge(ExchangeRate(
            currency=currency, yen_per_unit=value, as_of=as_of, source=url, fetched_at=now
        ))  # fmt: skip
    log.info("exchange rates as of %s from %s: %s", as_of, url, yen_per)
    return Rates(yen_per, as_of, url)
