"""The cheap read path of GET /api/cars: shared statements, asyncpg, stale-while-revalidate."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from api.cache import TTLCache
from api.db import asyncpg_sql, asyncpg_url, fetch_rows, make_async_engine
from core.filters import (
    CarFilters,
    Page,
    encode_cursor,
    fetch_page,
    item_dicts,
    page_query,
    page_statement,
)
from core.settings import Settings
from tests.api.conftest import TEST_SECRET, store
from tests.factories import listing as car


def test_requests_of_one_shape_share_one_statement() -> None:
    toyota, params = page_statement(CarFilters(make="toyota", year_min=2015), Page(page=3))
    honda, other = page_statement(CarFilters(make="Honda", year_min=2019), Page(page=7))
    assert toyota is honda  # built (and compiled, and prepared) once
    assert params == {"is_active": True, "make": "Toyota", "year_min": 2015, "limit": 20,
                      "offset": 40}  # fmt: skip
    assert other["make"] == "Honda" and other["offset"] == 120
    # Another kind of page, sort or set of filters is another statement.
    assert page_statement(CarFilters(make="Honda", year_min=2019), Page())[0] is not honda
    assert page_statement(CarFilters(make="Honda"), Page(page=7))[0] is not honda
    assert (
        page_statement(CarFilters(make="Honda", year_min=2019, sort="price"), Page(page=7))[0]
        is not honda
    )
    # A make outside the vocabulary is compared case-insensitively, under another name.
    _, unknown = page_statement(CarFilters(make="Trabant"), Page())
    assert unknown["make_lower"] == "trabant" and "make" not in unknown


def test_statements_are_parameterised_and_bound_copies_carry_the_values() -> None:
    filters = CarFilters(q="50% off_road", prefecture="東京都", sort="-price")
    statement, params = page_statement(filters, Page())
    sql = str(statement.compile(dialect=asyncpg_dialect()))  # type: ignore[no-untyped-call]
    assert "東京都" not in sql and "off" not in sql and "$1" in sql
    assert params["q0"] == "%50\\%%" and params["q1"] == "%off\\_road%"
    bound = page_query(filters, Page()).compile(compile_kwargs={"literal_binds": True})
    assert "東京都" in str(bound)


def test_asyncpg_url_moves_libpq_options_to_connect_args() -> None:
    url, connect_args = asyncpg_url(
        make_url("postgresql+psycopg://u:p@db:5432/cars?connect_timeout=3&sslmode=require")
    )
    assert url.drivername == "postgresql+asyncpg" and dict(url.query) == {}
    assert url.password == "p" and url.database == "cars"
    assert connect_args == {"timeout": 3.0, "ssl": "require"}


def test_the_asyncpg_path_reads_what_sqlalchemy_reads(db_url: str, session: Session) -> None:
    """Same rows, values and types through the driver's prepared statements as through the ORM."""
    store(session, car("P1", price_jpy=None, total_price_jpy=None), car("P2"), car("P3"))
    engine: AsyncEngine = make_async_engine(Settings(database_url=db_url, secret_key=TEST_SECRET))

    async def read(filters: CarFilters, page: Page) -> list[dict[str, Any]]:
        statement, params = page_statement(filters, page)
        async with engine.connect() as connection:
            rows = await fetch_rows(connection, statement, params)
        return item_dicts(rows)

    async def scenario() -> None:
        try:
            for filters, page in [
                (CarFilters(), Page()),
                (CarFilters(sort="price"), Page(page=2, page_size=1)),
                (CarFilters(make="TOYOTA", sort="-updated"), Page(page_size=2)),
            ]:
                expected = fetch_page(filters, page, session=session)
                assert await read(filters, page) == expected
            first = fetch_page(CarFilters(sort="updated"), Page(page_size=1), session=session)
            cursor = Page(cursor=encode_cursor("updated", first[0]))
            expected = fetch_page(CarFilters(sort="updated"), cursor, session=session)
            got = await read(CarFilters(sort="updated"), cursor)
            assert got == expected and got[0]["updated_at"].tzinfo is not None
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_asyncpg_sql_is_compiled_once_per_statement() -> None:
    statement, _ = page_statement(CarFilters(color="white"), Page())
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    sql, names, processors = asyncpg_sql(statement, dialect)
    assert asyncpg_sql(statement, dialect)[0] is sql
    assert set(names) == {"is_active", "color", "limit"} and len(processors) == len(names)


async def settle() -> None:
    """Let the background tasks run to their end (timed sleeps would wait on a frozen clock)."""
    for _ in range(10):
        await asyncio.sleep(0)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The cache's clock, frozen: a test moves it on by adding to `now[0]`."""
    clock = [100.0]
    monkeypatch.setattr("api.cache.time.monotonic", lambda: clock[0])
    return clock


def recorder() -> tuple[list[int], Callable[[int], Awaitable[int]]]:
    """The values computed so far, and a computation of a value that records it."""
    calls: list[int] = []

    async def compute(value: int) -> int:
        calls.append(value)
        await asyncio.sleep(0)  # (the clock is frozen: no timed sleeps)
        return value

    return calls, compute


def test_a_stale_total_is_served_while_one_refresh_runs(now: list[float]) -> None:
    calls, count = recorder()

    async def scenario() -> None:
        cache = TTLCache[int](10)
        assert await cache.get_or_compute("k", lambda: count(1)) == 1
        now[0] += 15  # expired 5 s ago: still served, while one task counts again
        answers = [await cache.get_or_compute("k", lambda: count(2)) for _ in range(5)]
        assert answers == [1] * 5 and calls == [1]
        await settle()
        assert calls == [1, 2] and await cache.get_or_compute("k", lambda: count(3)) == 2
        now[0] += 25  # expired 15 s ago, more than `seconds`: too old to serve, counted now
        assert await cache.get_or_compute("k", lambda: count(4)) == 4 and calls == [1, 2, 4]

    asyncio.run(scenario())


def test_get_or_start_never_waits_and_computes_once(now: list[float]) -> None:
    calls, take = recorder()

    async def scenario() -> None:
        cache = TTLCache[int](10)
        assert [cache.get_or_start("k", lambda: take(1)) for _ in range(3)] == [None] * 3
        await settle()
        assert calls == [1] and cache.get_or_start("k", lambda: take(2)) == 1
        now[0] += 15  # stale: served while one task takes it again
        assert cache.get_or_start("k", lambda: take(3)) == 1
        await settle()
        assert calls == [1, 3] and cache.get_or_start("k", lambda: take(4)) == 3
        off = TTLCache[int](0)  # no cache: nothing is started that could never be kept
        assert off.get_or_start("k", lambda: take(5)) is None
        # While `busy` tasks run, other keys just go without.
        assert [cache.get_or_start(n, lambda n=n: take(n), busy=2) for n in (6, 7, 8)] == [None] * 3
        await settle()
        assert calls == [1, 3, 6, 7] and cache.get(8) is None

    asyncio.run(scenario())


def test_a_failed_refresh_keeps_the_stale_total(
    now: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    async def failing() -> int:
        raise ConnectionError("database restarting")

    async def scenario() -> None:
        cache = TTLCache[int](10)
        cache.put("k", 7)
        now[0] += 12
        assert await cache.get_or_compute("k", failing) == 7
        await settle()
        assert await cache.get_or_compute("k", lambda: asyncio.sleep(0, 8)) == 7  # retried
        await settle()
        assert cache.get("k") == 8

    asyncio.run(scenario())
    assert "background refresh failed: ConnectionError" in caplog.text


def test_migration_0005_indexes_serve_their_queries(db_url: str) -> None:
    """One make by price at depth, and a prefecture's newest, walk their composite indexes."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL plans")
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            for filters, page, index in [
                (CarFilters(make="Toyota", sort="price"), Page(page=50), "ix_cars_make_price"),
                (CarFilters(prefecture="東京都"), Page(), "ix_cars_prefecture_updated"),
            ]:
                statement = page_query(filters, page)
                sql = statement.compile(engine, compile_kwargs={"literal_binds": True})
                plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))
                assert index in plan, plan
    finally:
        engine.dispose()
