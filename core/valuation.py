"""Recomputing every car's market value and deal (core.market) and storing them on `cars`;
a model's market (GET /api/market) and a car's comparables.

The scheduler runs `recompute` after every crawl that changed anything. Comparables are the
active listings and those gone within RECENTLY_GONE; a model is make + carsensor's model name
(`model_ja`), which splits what carsensor splits (アルファード and アルファードハイブリッド are
both the Alphard in English, at different prices).
"""

import logging
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from statistics import median, quantiles
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.filters import HISTORY, LISTED, OBSERVED_PRICE, CarFilters, filter_conditions
from core.market import Listing, comparables, deal, estimate_all
from core.models import Car, CrawlRun, utcnow

log = logging.getLogger(__name__)

RECENTLY_GONE = timedelta(days=90)
# GET /api/market's mileage bands, [from, to) in km, the last open-ended.
MILEAGE_BANDS_KM = (0, 10_000, 30_000, 50_000, 80_000, 120_000)
MAX_POINTS = 3_000
BATCH = 5_000
CARS: Table = Car.__table__  # type: ignore[assignment]
VALUE_COLUMNS = (
    "market_price_jpy", "market_p25_jpy", "market_p75_jpy", "market_comparables", "deal",
    "deal_ratio", "market_discount_jpy", "days_on_market", "price_change_jpy", "price_changed_at",
)  # fmt: skip


def _model_key(row: Any) -> str | None:
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


def _in_market(now: datetime) -> ColumnElement[bool]:
    """The cars a market value is made from: the active ones and those recently gone."""
    return or_(CARS.c.is_active, CARS.c.last_seen_at >= now - RECENTLY_GONE)


def _listing(row: Any, key: str) -> Listing:
    return Listing(
        row.id, key, row.year, row.mileage_km, row.repair_history, row.total_price_jpy,
        row.is_active,
    )  # fmt: skip


# What the estimator reads of a car.
_READ = (
    CARS.c.id, CARS.c.make, CARS.c.model, CARS.c.model_ja, CARS.c.year, CARS.c.mileage_km,
    CARS.c.repair_history, CARS.c.total_price_jpy, CARS.c.is_active,
)  # fmt: skip


def _values(session: Session, now: datetime, min_comparables: int) -> Iterator[dict[str, Any]]:
    """The new value columns of every active or recently gone car."""
    query = select(*_READ, CARS.c.first_seen_at, CARS.c.last_seen_at).where(_in_market(now))
    rows = session.execute(query).all()
    listings = [_listing(row, key) for row in rows if (key := _model_key(row)) is not None]
    estimates = estimate_all(listings, min_comparables=min_comparables)
    changes = _price_changes(session, now - RECENTLY_GONE)
    for row in rows:
        estimate = estimates.get(row.id)
        market = estimate.market_price_jpy if estimate else None
        seen_until = now if row.is_active else row.last_seen_at
        change, changed_at = changes.get(row.id, (None, None))
        priced = market and row.total_price_jpy
        yield {
            "car_id": row.id,
            "market_price_jpy": market,
            "market_p25_jpy": estimate.p25_jpy if estimate else None,
            "market_p75_jpy": estimate.p75_jpy if estimate else None,
            "market_comparables": estimate.comparables if estimate else None,
            "deal": deal(row.total_price_jpy, market),
            "deal_ratio": row.total_price_jpy / market if priced else None,
            "market_discount_jpy": market - row.total_price_jpy if priced else None,
            "days_on_market": max(0, (seen_until - row.first_seen_at).days),
            "price_change_jpy": change,
            "price_changed_at": changed_at,
        }


def recompute(*, session: Session, min_comparables: int, now: datetime | None = None) -> int:
    """Store the market value of every active or recently gone car; how many rows it wrote.

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
    for values in _values(session, now, min_comparables):
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
    log.info("market values recomputed for %d cars", written)
    return written


async def comparables_of(
    car_id: int, *, session: AsyncSession, min_comparables: int
) -> list[dict[str, Any]] | None:
    """The listed columns of the cars that car `car_id` is priced against, nearest first, as
    the estimator picks them now; None if there is no such car.

    Only an active car with an estimate has comparables.
    """
    car = (await session.execute(select(*_READ).where(CARS.c.id == car_id))).one_or_none()
    if car is None:
        return None
    key = _model_key(car)
    if key is None or not car.is_active:
        return []
    name = func.coalesce(func.nullif(CARS.c.model_ja, ""), CARS.c.model)
    same_model = select(*_READ).where(
        CARS.c.make == car.make, name == (car.model_ja or car.model), _in_market(utcnow())
    )
    listings = [_listing(row, key) for row in await session.execute(same_model)]
    nearest = comparables(listings, _listing(car, key), min_comparables=min_comparables)
    ids = [id_ for _, id_ in nearest]
    rows = (await session.execute(LISTED.where(CARS.c.id.in_(ids)))).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found[id_] for id_ in ids if id_ in found]


def _quartiles(values: list[int]) -> dict[str, int]:
    """p25, median and p75 of `values` (at least one), interpolated."""
    low, middle, high = quantiles(values * 2 if len(values) == 1 else values, method="inclusive")
    return {"p25_jpy": round(low), "median_jpy": round(middle), "p75_jpy": round(high)}


def _median(values: list[int]) -> int | None:
    return round(median(values)) if values else None


async def market_stats(
    make: str, model: str, model_ja: str | None, *, session: AsyncSession
) -> dict[str, Any]:
    """A model's market now, from its active listings: total prices overall, by year and by
    mileage band, the estimated curve by year, days on market, and the listings as points.
    """
    conditions = filter_conditions(CarFilters(make=make, model=model))
    if model_ja is not None:
        conditions.append(CARS.c.model_ja == model_ja)
    query = select(
        CARS.c.id, CARS.c.year, CARS.c.mileage_km, CARS.c.total_price_jpy,
        CARS.c.market_price_jpy, CARS.c.deal, CARS.c.days_on_market,
    ).where(*conditions).order_by(CARS.c.id)  # fmt: skip
    rows = (await session.execute(query)).all()
    priced = [row for row in rows if row.total_price_jpy]
    by_year: dict[int, list[Any]] = defaultdict(list)
    by_band: dict[int, list[int]] = defaultdict(list)
    for row in priced:
        if row.year is not None:
            by_year[row.year].append(row)
        if row.mileage_km is not None:
            by_band[bisect_right(MILEAGE_BANDS_KM, row.mileage_km) - 1].append(row.total_price_jpy)
    dated = [row for row in priced if row.year is not None]
    # At most MAX_POINTS dots, spread evenly over the listings in id order.
    step = max(1, len(dated) / MAX_POINTS)
    shown = [dated[int(n * step)] for n in range(min(len(dated), MAX_POINTS))]
    return {
        "make": make,
        "model": model,
        "model_ja": model_ja,
        "count": len(priced),
        **(_quartiles([row.total_price_jpy for row in priced]) if priced else {}),
        "median_days_on_market": _median(
            [row.days_on_market for row in rows if row.days_on_market is not None]
        ),
        "by_year": [
            {
                "year": year,
                "count": len(cars),
                **_quartiles([car.total_price_jpy for car in cars]),
                "market_median_jpy": _median(
                    [car.market_price_jpy for car in cars if car.market_price_jpy is not None]
                ),
            }
            for year, cars in sorted(by_year.items())
        ],
        "by_mileage": [
            {
                "min_km": MILEAGE_BANDS_KM[band],
                "max_km": MILEAGE_BANDS_KM[band + 1] if band + 1 < len(MILEAGE_BANDS_KM) else None,
                "count": len(prices),
                **_quartiles(prices),
            }
            for band, prices in sorted(by_band.items())
        ],
        "points": [
            {
                "id": row.id,
                "year": row.year,
                "mileage_km": row.mileage_km,
                "total_price_jpy": row.total_price_jpy,
                "market_price_jpy": row.market_price_jpy,
                "deal": row.deal,
            }
            for row in shown
        ],
        "points_total": len(dated),
    }
