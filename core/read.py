"""Every read of the cars, for the API and the bot: a page, the total, facets, one car, export.

Async functions on an AsyncSession from core.db's engine. Totals and facets can take tens of
milliseconds (a filter no index serves counts every matching row), so they are kept in one
cache, `Totals`, until the cars change.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload

from core.filters import CARS, CarFilters, cars_query, filter_conditions
from core.models import Car
from core.paging import Page, encode_cursor, null_tail, page_query

V = TypeVar("V")
EXPORT_BATCH = 1000
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
    query = select(func.count()).select_from(CARS).where(*filter_conditions(filters))
    return int((await session.execute(query)).scalar_one())


async def _counts(
    filters: CarFilters, *columns: Any, session: AsyncSession
) -> list[tuple[Any, ...]]:
    count = func.count().label("count")
    query = (
        select(*columns, count)
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


async def get_car(car_id: int, *, session: AsyncSession) -> Car | None:
    """One car, active or not, with its price history; None if there is none."""
    return await session.get(Car, car_id, options=[selectinload(Car.price_history)])


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

    The cars' version is their newest `updated_at`: a crawl that stores a new listing, changes
    one or retires one moves it. It is looked up at most every `check_seconds` (an index
    lookup); a new version drops every entry. Requests that miss the same entry together wait
    for one computation. `check_seconds` 0 keeps nothing: every request computes.
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
        version = (await session.execute(select(func.max(CARS.c.updated_at)))).scalar()
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
