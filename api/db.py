"""The API's async engine: the same DATABASE_URL as every service, on an asyncio driver."""

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import URL, Dialect, Select, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from core.db import sqlite_pragmas
from core.settings import Settings

# asyncio drivers for the URLs core.settings accepts. asyncpg, not psycopg's async mode, for
# PostgreSQL: the same GET /api/cars costs the worker about a fifth less CPU on it.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def asyncpg_url(url: URL) -> tuple[URL, dict[str, Any]]:
    """`url` for asyncpg, with the libpq options it spells differently moved to connect args.

    DATABASE_URL is a libpq URL (the crawler and Alembic use psycopg): asyncpg takes
    `timeout` (seconds, as a number) for `connect_timeout`, and `ssl` for `sslmode`.
    """
    query = dict(url.query)
    connect_args: dict[str, Any] = {}
    if "connect_timeout" in query:
        connect_args["timeout"] = float(str(query.pop("connect_timeout")))
    if "sslmode" in query:
        connect_args["ssl"] = str(query.pop("sslmode"))
    return url.set(drivername="postgresql+asyncpg", query=query), connect_args


def make_async_engine(settings: Settings) -> AsyncEngine:
    """An async engine for DATABASE_URL, pooled for one worker's concurrent requests."""
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    url = url.set(drivername=ASYNC_DRIVERS.get(backend, url.drivername))
    # Autocommit: reads need no BEGIN/ROLLBACK round trips, and every write the API makes is
    # one statement (or an insert) that stands on its own. No pre-ping either: a connection
    # broken by a database restart fails one request with 503 and is then replaced.
    if backend == "sqlite":
        engine = create_async_engine(
            url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 30}
        )
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        url, connect_args = asyncpg_url(url)
    engine = create_async_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        connect_args=connect_args,
    )
    if backend == "postgresql":
        event.listen(engine.sync_engine, "do_connect", _connect_errors_as_dbapi_errors)
    return engine


def _connect_errors_as_dbapi_errors(
    dialect: Dialect, _record: object, cargs: Any, cparams: dict[str, Any]
) -> Any:
    """Connect, turning asyncpg's OSError or TimeoutError into the DBAPI's OperationalError.

    SQLAlchemy wraps only DBAPI errors: a refused or timed-out connection would otherwise be
    a 500, not the 503 "Database unavailable" that psycopg's OperationalError gave.
    """
    try:
        return dialect.connect(*cargs, **cparams)
    except (OSError, TimeoutError) as error:
        raise dialect.loaded_dbapi.OperationalError(f"{type(error).__name__}: {error}") from error


@lru_cache(maxsize=4096)
def asyncpg_sql(
    statement: Select[Any], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    """SQL text, parameter order and bind processors of a statement, compiled once.

    The statements of core.filters are built once per shape and reused (see `page_statement`),
    so this cache holds one entry per shape, like asyncpg's own prepared-statement cache.
    """
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return compiled.string, names, processors


async def fetch_rows(
    connection: AsyncConnection, statement: Select[Any], params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows of a SELECT built by SQLAlchemy (values bound from `params`), as tuples.

    On asyncpg the compiled SQL goes straight to the driver's prepared statement: SQLAlchemy's
    execution context, cursor adaptation and result objects cost the worker more CPU than
    the driver's own call for a 20-row page. Other drivers take the ordinary path.
    """
    if connection.dialect.driver != "asyncpg":
        result = await connection.execute(statement, dict(params))
        found: Sequence[Sequence[Any]] = result.all()
        return found
    sql, names, processors = asyncpg_sql(statement, connection.dialect)
    values = [
        params[name] if process is None else process(params[name])
        for name, process in zip(names, processors, strict=True)
    ]
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        rows: Sequence[Sequence[Any]] = await driver.fetch(sql, *values)
    except Exception as error:
        if not driver.is_closed():
            raise
        # SQLAlchemy's error handling is bypassed too, so do its part for a connection that is
        # gone (a database restart): the pool drops it, and the request gets a 503.
        await connection.invalidate()
        raise OperationalError(sql, values, error, connection_invalidated=True) from error
    return rows
