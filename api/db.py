"""The API's async engine: the same DATABASE_URL as every service, on an asyncio driver."""

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.db import sqlite_pragmas
from core.settings import Settings

# asyncio drivers for the URLs core.settings accepts; psycopg 3 serves both worlds.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


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
    return create_async_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
    )
