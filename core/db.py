"""The engines: one per process, for PostgreSQL or the embedded SQLite default.

Blocking code (the crawler, the scheduler, Alembic, command-line tools) uses `make_engine`;
the API and the bot use `make_async_engine`, on an asyncio driver for the same DATABASE_URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import URL, Dialect, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateTable

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from core.settings import Settings

# asyncio drivers for the URLs core.settings accepts. asyncpg, not psycopg's async mode, for
# PostgreSQL: the same GET /api/cars costs the worker about a fifth less CPU on it.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def make_engine(url: str) -> Engine:
    """A blocking engine for `url`, preparing SQLite files."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    _sqlite_directory(parsed)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", sqlite_pragmas)
    return engine


def copy_into(session: Session, table: Table, rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` (values in `table`'s column order) into the connection's temporary `table`,
    created if need be and emptied first; how many. PostgreSQL only.

    A batch staged so and written by one INSERT … SELECT beats a VALUES list or executemany:
    psycopg parsing thousands of bind parameters costs more than the write itself.
    """
    session.execute(CreateTable(table, if_not_exists=True))
    session.execute(text(f"TRUNCATE {table.name}"))
    raw = cast("psycopg.Connection[Any]", session.connection().connection.dbapi_connection)
    copied = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            copied += 1
    return copied


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine` that keep their objects readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_async_engine(settings: Settings) -> AsyncEngine:
    """An async engine for DATABASE_URL, pooled for one process's concurrent requests.

    Autocommit: reads need no BEGIN/ROLLBACK round trips, and every write the API makes is
    one statement (or an insert) that stands on its own. No pre-ping: a connection broken by a
    database restart fails one request with 503 and is then replaced.
    """
    # Imported here: the crawler's image has no asyncio drivers (the `async-db` extra).
    from sqlalchemy.ext.asyncio import create_async_engine

    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    url = url.set(drivername=ASYNC_DRIVERS.get(backend, url.drivername))
    if backend == "sqlite":
        _sqlite_directory(url)
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


def async_session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Async sessions on `engine` that keep their objects readable after commit."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    return async_sessionmaker(engine, expire_on_commit=False)


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


def _sqlite_directory(url: URL) -> None:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    """Connect hook for SQLite engines: WAL journal and enforced foreign keys."""
    # WAL lets the API read while a crawl writes; foreign keys are off by default in SQLite.
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
