"""Every read of the cars, for the API and the bot: a page, the total, facets, one car, export,
a car's comparables and a model's market.

Async functions on an AsyncSession from core.db's engine. Totals and facets can take tens of
milliseconds (a filter no index serves counts every matching row), so they are kept in one
cache, `Totals`, until the cars change.
"""

import asyncio
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from statistics import median, quantiles
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.filters import (
    CARS,
    CARS_AND_MARKET,
    HISTORY,
    LISTED,
    MARKET,
    SHOWN,
    CarFilters,
    cars_query,
    filter_conditions,
)
from core.market import comparables, days_on_market
from core.models import CrawlRun, utcnow
from core.paging import Page, encode_cursor, null_tail, page_query
from core.valuation import READ, in_market, market_listing, model_key

V = TypeVar("V")
EXPORT_BATCH = 1000
# GET /api/market's mileage bands, [from, to) in km, the last open-ended, and its most dots.
MILEAGE_BANDS_KM = (0, 10_000, 30_000, 50_000, 80_000, 120_000)
MAX_POINTS = 3_000
# The facets: each a column whose distinct values are counted (makes also by model).
FACET_COLUMNS = {
    "colors": CARS.c.color,
    "body_types": CARS.c.body_type,
    "transmissions": CARS.c.transmission,
    "fuels": CARS.c.fuel,
    "prefectures": CARS.c.prefecture,
}


async def page_of_cars(
    filters: CarFilters, page: Page, *, session: AsyncSession
) -> list[dict[str, Any]]:
    """One page of the cars matching `filters` (the listed columns, as dicts).

    InvalidCursor (core.paging) for a cursor this API did not issue.
    """
    rows = (await session.execute(page_query(filters, page))).mappings().all()
    tail = null_tail(filters, page, len(rows))
    if tail is not None:
        rows += (await session.execute(tail)).mappings().all()
    return [dict(row) for row in rows]


def next_cursor(filters: CarFilters, page: Page, rows: Sequence[dict[str, Any]]) -> str | None:
    """The cursor to the page after `rows`, or None when `rows` was the last (short) page."""
    return encode_cursor(filters.sort, rows[-1]) if len(rows) == page.page_size else None


async def count_cars(filters: CarFilters, *, session: AsyncSession) -> int:
    """How many cars match `filters`."""
    query = select(func.count()).select_from(CARS_AND_MARKET).where(*filter_conditions(filters))
    return int((await session.execute(query)).scalar_one())


async def _counts(
    filters: CarFilters, *columns: Any, session: AsyncSession
) -> list[tuple[Any, ...]]:
    count = func.count().label("count")
    query = (
        select(*columns, count)
        .select_from(CARS_AND_MARKET)
        .where(*filter_conditions(filters), *(column.is_not(None) for column in columns))
        .group_by(*columns)
        .order_by(count.desc(), *columns)
    )
    return [tuple(row) for row in await session.execute(query)]


async def facets(filters: CarFilters, *, session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """Distinct values with counts under `filters`: makes (with models), colours, and so on."""
    makes: dict[str, dict[str, Any]] = {}
    for make, count in await _counts(filters, CARS.c.make, session=session):
        makes[make] = {"value": make, "count": count, "models": []}
    for make, model, count in await _counts(filters, CARS.c.make, CARS.c.model, session=session):
        makes[make]["models"].append({"value": model, "count": count})
    result: dict[str, list[dict[str, Any]]] = {"makes": list(makes.values())}
    for name, column in FACET_COLUMNS.items():
        rows = await _counts(filters, column, session=session)
        result[name] = [{"value": value, "count": count} for value, count in rows]
    return result


async def get_car(car_id: int, *, session: AsyncSession) -> dict[str, Any] | None:
    """One car, active or not: its shown columns and `price_history`; None if there is none."""
    car = (await session.execute(SHOWN.where(CARS.c.id == car_id))).mappings().one_or_none()
    if car is None:
        return None
    history = select(HISTORY.c.price_jpy, HISTORY.c.total_price_jpy, HISTORY.c.observed_at)
    history = history.where(HISTORY.c.car_id == car_id).order_by(HISTORY.c.observed_at)
    return {**car, "price_history": (await session.execute(history)).mappings().all()}


async def export_batches(
    filters: CarFilters, *, connection: AsyncConnection
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Every car matching `filters` (the listed columns), EXPORT_BATCH rows at a time.

    The rows come through a server-side cursor in one snapshot, so memory stays at one batch
    and the export is consistent however long it takes.
    """
    level = "REPEATABLE READ" if connection.dialect.name == "postgresql" else "SERIALIZABLE"
    await connection.execution_options(isolation_level=level)
    async with connection.begin():
        query = cars_query(filters).execution_options(yield_per=EXPORT_BATCH)
        result = await connection.stream(query)
        async for rows in result.partitions():
            yield rows


class Totals:
    """Totals and facets by filter set, kept until the cars change.

    The cars' version is their newest `updated_at` (a crawl that stores a new listing, changes
    one or retires one moves it) and the newest market recompute (`market_valued_at`). It is
    looked up at most every `check_seconds`; a new version drops every entry. Requests that
    miss the same entry together wait for one computation. `check_seconds` 0 keeps nothing:
    every request computes.
    """

    def __init__(self, check_seconds: float, *, max_entries: int = 4096) -> None:
        self.check_seconds = check_seconds
        self.max_entries = max_entries
        self._version: object = None
        self._checked_at = float("-inf")
        self._entries: dict[Hashable, Awaitable[Any]] = {}

    async def _current(self, *, session: AsyncSession) -> None:
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return
        self._checked_at = now
        valued = select(func.max(CrawlRun.market_valued_at)).scalar_subquery()
        version = tuple((await session.execute(select(func.max(CARS.c.updated_at), valued))).one())
        if version != self._version or len(self._entries) >= self.max_entries:
            self._version = version
            self._entries.clear()

    async def get(
        self, key: Hashable, compute: Callable[[], Awaitable[V]], *, session: AsyncSession
    ) -> V:
        """The value for `key`, computed by `compute` (on `session`) unless it is kept."""
        if self.check_seconds <= 0:
            return await compute()
        await self._current(session=session)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = asyncio.ensure_future(compute())
        try:
            value: V = await asyncio.shield(entry)
        except Exception:
            if self._entries.get(key) is entry:
                del self._entries[key]  # a failure is not kept: the next request tries again
            raise
        return value

    async def total(self, filters: CarFilters, *, session: AsyncSession) -> int:
        """How many cars match `filters` (the order does not matter: one entry for all sorts)."""
        filters = filters.model_copy(update={"sort": "-updated"})
        return await self.get(
            ("total", filters), lambda: count_cars(filters, session=session), session=session
        )

    async def facets(
        self, filters: CarFilters, *, session: AsyncSession
    ) -> dict[str, list[dict[str, Any]]]:
        """`facets` of `filters`, kept like the totals."""
        filters = filters.model_copy(update={"sort": "-updated"})
        return await self.get(
            ("facets", filters), lambda: facets(filters, session=session), session=session
        )


async def comparables_of(
    car_id: int, *, session: AsyncSession, min_comparables: int
) -> list[dict[str, Any]] | None:
    """The listed columns of the cars that car `car_id` is priced against, nearest first, as
    the estimator picks them now; None if there is no such car.

    Only an active car with an estimate has comparables.
    """
    car = (await session.execute(select(*READ).where(CARS.c.id == car_id))).one_or_none()
    if car is None:
        return None
    key = model_key(car)
    if key is None or not car.is_active:
        return []
    name = func.coalesce(func.nullif(CARS.c.model_ja, ""), CARS.c.model)
    same_model = select(*READ).where(
        CARS.c.make == car.make, name == (car.model_ja or car.model), in_market(utcnow())
    )
    listings = [market_listing(row, key) for row in await session.execute(same_model)]
    nearest = comparables(listings, market_listing(car, key), min_comparables=min_comparables)
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
        MARKET.c.market_price_jpy, MARKET.c.deal, CARS.c.first_seen_at,
    ).select_from(CARS_AND_MARKET).where(*conditions).order_by(CARS.c.id)  # fmt: skip
    rows = (await session.execute(query)).all()
    now = utcnow()
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
            [days_on_market(row.first_seen_at, None, now=now) for row in rows]
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
