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

from sqlalchemy import ColumnElement, Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from core.filters import HISTORY, OBSERVED_PRICE
from core.market import Listing, deal, estimate_all
from core.models import Car, CrawlRun, utcnow

log = logging.getLogger(__name__)

RECENTLY_GONE = timedelta(days=90)
BATCH = 5_000
CARS: Table = Car.__table__  # type: ignore[assignment]
VALUE_COLUMNS = (
    "market_price_jpy", "market_p25_jpy", "market_p75_jpy", "market_comparables", "deal",
    "deal_ratio", "market_discount_jpy", "price_change_jpy", "price_changed_at",
)  # fmt: skip


def model_key(row: Any) -> str | None:
    """The estimator's model of a car row: make and carsensor's model name (else ours)."""
    name = row.model_ja or row.model
    return f"{row.make}|{name}" if row.make and name else None


def _price_changes(session: Session, since: datetime) -> dict[int, tuple[int, datetime]]:
    """The last price change of each car seen since `since`: its newest observed price (total,
    else body) minus the one before, and when.

    The history holds an observation per change, so the newest two rows of a car are its last
    change; the window function reads only those, on the (car_id, observed_at) index.
    """
    newest = (
        func.row_number()
        .over(
            partition_by=HISTORY.c.car_id,
            order_by=(HISTORY.c.observed_at.desc(), HISTORY.c.id.desc()),
        )
        .label("newest")
    )
    ranked = (
        select(HISTORY.c.car_id, OBSERVED_PRICE.label("price"), HISTORY.c.observed_at, newest)
        .join(CARS, CARS.c.id == HISTORY.c.car_id)
        .where(or_(CARS.c.is_active, CARS.c.last_seen_at >= since))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.car_id, ranked.c.price, ranked.c.observed_at)
        .where(ranked.c.newest <= 2)
        .order_by(ranked.c.car_id, ranked.c.newest.desc())
    )
    changes: dict[int, tuple[int, datetime]] = {}
    previous: tuple[int, int | None] = (-1, None)
    for car_id, value, observed_at in rows:
        before_car, before = previous
        if car_id == before_car and value is not None and before is not None and value != before:
            changes[car_id] = (value - before, observed_at)
        previous = (car_id, value)
    return changes


def in_market(now: datetime) -> ColumnElement[bool]:
    """The cars a market value is made from: the active ones and those recently gone."""
    return or_(CARS.c.is_active, CARS.c.last_seen_at >= now - RECENTLY_GONE)


def market_listing(row: Any, key: str) -> Listing:
    """What the estimator reads of a car row with the READ columns."""
    return Listing(
        row.id, key, row.year, row.mileage_km, row.repair_history, row.total_price_jpy,
        row.is_active,
    )  # fmt: skip


# What the estimator reads of a car.
READ = (
    CARS.c.id, CARS.c.make, CARS.c.model, CARS.c.model_ja, CARS.c.year, CARS.c.mileage_km,
    CARS.c.repair_history, CARS.c.total_price_jpy, CARS.c.is_active,
)  # fmt: skip


def _changed_values(
    session: Session, now: datetime, min_comparables: int
) -> Iterator[dict[str, Any]]:
    """The new value columns of every active or recently gone car whose values changed.

    Rewriting an unchanged row would still write a new row version and an entry in each of
    the table's indexes: at 500k cars that was most of the time (docs/benchmarks.md).
    """
    stored = [CARS.c[name] for name in VALUE_COLUMNS]
    rows = session.execute(select(*READ, *stored).where(in_market(now))).all()
    listings = [market_listing(row, key) for row in rows if (key := model_key(row)) is not None]
    estimates = estimate_all(listings, min_comparables=min_comparables)
    changes = _price_changes(session, now - RECENTLY_GONE)
    for row in rows:
        estimate = estimates.get(row.id)
        market = estimate.market_price_jpy if estimate else None
        change, changed_at = changes.get(row.id, (None, None))
        priced = market and row.total_price_jpy
        values = {
            "market_price_jpy": market,
            "market_p25_jpy": estimate.p25_jpy if estimate else None,
            "market_p75_jpy": estimate.p75_jpy if estimate else None,
            "market_comparables": estimate.comparables if estimate else None,
            "deal": deal(row.total_price_jpy, market),
            "deal_ratio": row.total_price_jpy / market if priced else None,
            "market_discount_jpy": market - row.total_price_jpy if priced else None,
            "price_change_jpy": change,
            "price_changed_at": changed_at,
        }
        if any(values[name] != getattr(row, name) for name in VALUE_COLUMNS):
            yield {"car_id": row.id, **values}


def recompute(*, session: Session, min_comparables: int, now: datetime | None = None) -> int:
    """Store the market value of every active or recently gone car; how many rows changed.

    A car with fewer than `min_comparables` comparables gets none, and every crawl that had
    ended is marked as taken in (`market_valued_at`). The caller commits. `updated_at` stays:
    it says when the listing itself last changed.
    """
    now = now or utcnow()
    # The crawls that had ended before the cars are read are in the values written below.
    ended = select(func.max(CrawlRun.progress_at)).where(CrawlRun.outcome.is_not(None))
    horizon = session.scalar(ended)
    statement = (
        update(CARS)
        .where(CARS.c.id == bindparam("car_id"))
        .values({name: bindparam(name) for name in VALUE_COLUMNS})
    )
    written, batch = 0, []
    for values in _changed_values(session, now, min_comparables):
        batch.append(values)
        if len(batch) == BATCH:
            session.connection().execute(statement, batch)
            written, batch = written + len(batch), []
    if batch:
        session.connection().execute(statement, batch)
        written += len(batch)
    if horizon is not None:
        session.execute(
            update(CrawlRun)
            .where(
                CrawlRun.outcome.is_not(None),
                CrawlRun.progress_at <= horizon,
                CrawlRun.market_valued_at.is_(None),
            )
            .values(market_valued_at=now)
            .execution_options(synchronize_session=False)
        )
    log.info("market values recomputed: %d cars changed", written)
    return written
