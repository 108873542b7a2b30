"""Engine and session factories for PostgreSQL or the embedded SQLite default."""

from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.settings import get_settings


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for `url` (default: DATABASE_URL), preparing SQLite files."""
    url = url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", sqlite_pragmas)
    return engine


def sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    """Connect hook for SQLite engines: WAL journal and enforced foreign keys."""
    # WAL lets the API read while a crawl writes; foreign keys are off by default in SQLite.
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@lru_cache
def get_engine() -> Engine:
    """Return the process-wide engine for DATABASE_URL."""
    return make_engine()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Return a session factory bound to `engine` (default: the process-wide one)."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
