"""Recomputing every car's market value and deal (core.market) and storing them on `cars`.

The scheduler runs `recompute` after every crawl that changed anything. Comparables are the
active listings and those gone within RECENTLY_GONE; a model is make + carsensor's model name
(`model_ja`), which splits what carsensor splits (アルファード and アルファードハイブリッド are
both the Alphard in English, at different prices).
"""

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from core.filters import HISTORY, OBSERVED_PRICE
from core.market import Listing, deal, estimate_all
from core.models import Car, utcnow

log = logging.getLogger(__name__)

RECENTLY_GONE = timedelta(days=90)
MIN_COMPARABLES = 5
BATCH = 5_000
CARS: Table = Car.__table__  # type: ignore[assignment]
VALUE_COLUMNS = (
    "market_price_jpy", "market_p25_jpy", "market_p75_jpy", "market_comparables", "deal",
    "deal_ratio", "days_on_market", "price_change_jpy", "price_changed_at",
)  # fmt: skip


def _model_key(row: Any) -> str | None:
    name = row.model_ja or row.model
    return f"{row.make}|{name}" if row.make and name else None


def _price_changes(session: Session) -> dict[int, tuple[int, datetime]]:
    """Each car's last price change: the new price (total, else body) minus the one before."""
    rows = session.execute(
        select(HISTORY.c.car_id, OBSERVED_PRICE, HISTORY.c.observed_at).order_by(
            HISTORY.c.car_id, HISTORY.c.observed_at, HISTORY.c.id
        )
    )
    changes: dict[int, tuple[int, datetime]] = {}
    previous: tuple[int, int | None] = (-1, None)
    for car_id, value, observed_at in rows:
        before_car, before = previous
        if car_id == before_car and value is not None and before is not None and value != before:
            changes[car_id] = (value - before, observed_at)
        previous = (car_id, value)
    return changes


def _values(session: Session, now: datetime) -> Iterator[dict[str, Any]]:
    """The new value columns of every active or recently gone car."""
    query = select(
        CARS.c.id, CARS.c.make, CARS.c.model, CARS.c.model_ja, CARS.c.year, CARS.c.mileage_km,
        CARS.c.repair_history, CARS.c.total_price_jpy, CARS.c.is_active,
        CARS.c.first_seen_at, CARS.c.last_seen_at,
    ).where(or_(CARS.c.is_active, CARS.c.last_seen_at >= now - RECENTLY_GONE))  # fmt: skip
    rows = session.execute(query).all()
    listings = [
        Listing(
            row.id,
            key,
            row.year,
            row.mileage_km,
            row.repair_history,
            row.total_price_jpy,
            row.is_active,
        )  # fmt: skip
        for row in rows
        if (key := _model_key(row)) is not None
    ]
    estimates = estimate_all(listings, min_comparables=MIN_COMPARABLES)
    changes = _price_changes(session)
    for row in rows:
        estimate = estimates.get(row.id)
        market = estimate.market_price_jpy if estimate else None
        seen_until = now if row.is_active else row.last_seen_at
        change, changed_at = changes.get(row.id, (None, None))
        yield {
            "car_id": row.id,
            "market_price_jpy": market,
            "market_p25_jpy": estimate.p25_jpy if estimate else None,
            "market_p75_jpy": estimate.p75_jpy if estimate else None,
            "market_comparables": estimate.comparables if estimate else None,
            "deal": deal(row.total_price_jpy, market),
            "deal_ratio": row.total_price_jpy / market if market and row.total_price_jpy else None,
            "days_on_market": max(0, (seen_until - row.first_seen_at).days),
            "price_change_jpy": change,
            "price_changed_at": changed_at,
        }


def recompute(*, session: Session, now: datetime | None = None) -> int:
    """Store the market value of every active or recently gone car; how many rows it wrote.

    The caller commits. `updated_at` stays: it says when the listing itself last changed.
    """
    now = now or utcnow()
    statement = (
        update(CARS)
        .where(CARS.c.id == bindparam("car_id"))
        .values({name: bindparam(name) for name in VALUE_COLUMNS})
    )
    written, batch = 0, []
    for values in _values(session, now):
        batch.append(values)
        if len(batch) == BATCH:
            session.connection().execute(statement, batch)
            written, batch = written + len(batch), []
    if batch:
        session.connection().execute(statement, batch)
        written += len(batch)
    log.info("market values recomputed for %d cars", written)
    return written
