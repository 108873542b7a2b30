"""Every read of the cars, for the API and the bot: a page, the total, facets, one car, export.

Async functions on an AsyncSession from core.db's engine. Totals and facets can take tens of
milliseconds (a filter no index serves counts every matching row), so they are kept in one
cache, `Totals`, until the cars change.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.compiler import SQLCompiler

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
    rows = await _fetch((filters, page), lambda: page_query(filters, page), session=session)
    tail = null_tail(filters, page, len(rows))
    if tail is not None:
        rows += await _fetch(("tail", filters, page, len(rows)), lambda: tail, session=session)
    return rows


# The SQL of each shape of page query (which filters, sort and kind of page), compiled once;
# and each page's SQL and values as asyncpg takes them, by the filters and page that ask for it.
_COMPILED: dict[Hashable, SQLCompiler] = {}
_STATEMENTS: dict[Hashable, tuple[str, list[Any]]] = {}
_MAX_ENTRIES = 4096


async def _fetch(
    key: Hashable, build: Callable[[], Select[Any]], *, session: AsyncSession
) -> list[dict[str, Any]]:
    """The rows of the query `build` makes (`key` names it); on asyncpg through the driver's own
    prepared statement.

    SQLAlchemy's execution context and result objects cost more CPU than the driver's fetch
    of a 20-row page, and so does building and compiling the query anew: the API's latency
    target fails on them (docs/benchmarks.md). The SQL is still SQLAlchemy's.
    """
    connection = await session.connection()
    if connection.dialect.driver != "asyncpg":
        return [dict(row) for row in (await connection.execute(build())).mappings()]
    statement = _STATEMENTS.get(key)
    if statement is None:
        if len(_STATEMENTS) >= _MAX_ENTRIES:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = asyncpg_statement(build(), connection.dialect)
    sql, values = statement
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        return [dict(record) for record in await driver.fetch(sql, *values)]
    except Exception as error:
        if not driver.is_closed():
            raise
        # A connection lost under us (a database restart): the pool must drop it, and the
        # request gets the 503 that SQLAlchemy's own path would give.
        await connection.invalidate()
        raise OperationalError(sql, values, error) from error


def asyncpg_statement(query: Select[Any], dialect: Dialect) -> tuple[str, list[Any]]:
    """`query` as SQLAlchemy's asyncpg dialect sends it: the $n SQL and the bound values."""
    key = query._generate_cache_key()
    assert key is not None  # every query built here is cacheable
    compiled = _COMPILED.get(key.key)
    if compiled is None:
        if len(_COMPILED) >= _MAX_ENTRIES:
            _COMPILED.clear()
        compiled = query.compile(dialect=dialect, cache_key=key)
        assert isinstance(compiled, SQLCompiler)
        _COMPILED[key.key] = compiled
    params = compiled.construct_params(extracted_parameters=key.bindparams) or {}
    values = []
    for name in compiled.positiontup or ():
        process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        values.append(params[name] if process is None else process(params[name]))
    return compiled.string, values


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
