"""core.money: the rates from settings or a feed, and reading the feed."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.models import ExchangeRate
from core.money import current_rates, parse_feed, rates_due, refresh_rates, settings_rates
from core.settings import Settings
from tests.conftest import AsyncWork, RatesFeed

SETTINGS = Settings(yen_per_usd=150, yen_per_eur=160, yen_per_rub=1.8, rates_as_of="2026-12-01")


def test_settings_rates_convert_both_ways() -> None:
    rates = settings_rates(SETTINGS)
    assert rates.source == "settings" and rates.as_of == date(2026, 12, 1)
    assert rates.from_yen(3_000_000, "USD") == 20_000
    assert rates.from_yen(1_800_000, "RUB") == pytest.approx(1_000_000)
    assert rates.to_yen(20_000, "USD") == 3_000_000
    assert rates.from_yen(5, "JPY") == rates.to_yen(5, "JPY") == 5


def test_parse_feed_reads_yen_per_unit_and_the_feeds_date(rates_feed: RatesFeed) -> None:
    yen_per, as_of = parse_feed(rates_feed.body)  # type: ignore[arg-type]
    assert yen_per == {"USD": 160.0, "EUR": 200.0, "RUB": 2.0}
    assert as_of == date(2026, 12, 6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"result": "error"}, "not a JPY rates answer"),
        ({"base_code": "USD"}, "not a JPY rates answer"),
        ({"rates": None}, "no rates"),
        ({"rates": {"USD": 0.006, "EUR": 0.005}}, "no usable RUB rate"),
        ({"rates": {"USD": 0, "EUR": 0.005, "RUB": 0.5}}, "no usable USD rate"),
        ({"rates": {"USD": True, "EUR": 0.005, "RUB": 0.5}}, "no usable USD rate"),
        ({"time_last_update_unix": "yesterday"}, "no time_last_update_unix"),
    ],
)
def test_a_bad_feed_answer_is_refused_with_a_reason(
    rates_feed: RatesFeed, change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_feed({**rates_feed.body, **change})  # type: ignore[dict-item]


def stored(session: Session) -> dict[str, float]:
    rows = session.scalars(select(ExchangeRate)).all()
    return {row.currency: row.yen_per_unit for row in rows}


def test_a_refresh_stores_the_feeds_rates_once_a_day(
    session: Session, rates_feed: RatesFeed
) -> None:
    assert rates_due(session=session)
    rates = refresh_rates(rates_feed.url, session=session)
    session.commit()
    assert rates.yen_per == stored(session) == {"USD": 160.0, "EUR": 200.0, "RUB": 2.0}
    assert not rates_due(session=session)
    # A day later it is due again, and the new answer replaces the old rows.
    for row in session.scalars(select(ExchangeRate)):
        row.fetched_at = datetime.now(UTC) - timedelta(days=1, minutes=1)
    session.commit()
    assert rates_due(session=session)
    rates_feed.body = {**rates_feed.body, "rates": {"USD": 0.005, "EUR": 0.004, "RUB": 0.4}}  # type: ignore[dict-item]
    refresh_rates(rates_feed.url, session=session)
    session.commit()
    assert stored(session) == {"USD": 200.0, "EUR": 250.0, "RUB": 2.5}


def test_a_failed_refresh_raises_and_stores_nothing(
    session: Session, rates_feed: RatesFeed
) -> None:
    rates_feed.status = 503
    with pytest.raises(OSError):
        refresh_rates(rates_feed.url, session=session)
    rates_feed.status, rates_feed.body = 200, {"result": "error"}
    with pytest.raises(ValueError):
        refresh_rates(rates_feed.url, session=session)
    session.commit()
    assert stored(session) == {}


def read_rates(read_async: Callable[[AsyncWork], Any]) -> tuple[dict[str, float], date | None, str]:
    async def work(session: AsyncSession) -> tuple[dict[str, float], date | None, str]:
        rates = await current_rates(session=session, settings=SETTINGS)
        return dict(rates.yen_per), rates.as_of, rates.source

    result: tuple[dict[str, float], date | None, str] = read_async(work)
    return result


def add_rates(session: Session, as_of: date, currencies: tuple[str, ...]) -> None:
    for currency in currencies:
        session.merge(ExchangeRate(
            currency=currency, yen_per_unit=100.0, as_of=as_of, source="http://feed.example/"
        ))  # fmt: skip
    session.commit()


def test_current_rates_take_the_feeds_only_when_newer_and_complete(
    session: Session, read_async: Callable[[AsyncWork], Any]
) -> None:
    settings_only = ({"USD": 150.0, "EUR": 160.0, "RUB": 1.8}, date(2026, 12, 1), "settings")
    assert read_rates(read_async) == settings_only
    add_rates(session, date(2026, 11, 30), ("USD", "EUR", "RUB"))  # older than the settings
    assert read_rates(read_async) == settings_only
    add_rates(session, date(2026, 12, 5), ("USD", "EUR"))  # RUB still old: no mix
    assert read_rates(read_async) == settings_only
    add_rates(session, date(2026, 12, 5), ("RUB",))
    feed = ({"USD": 100.0, "EUR": 100.0, "RUB": 100.0}, date(2026, 12, 5), "http://feed.example/")
    assert read_rates(read_async) == feed
