"""Shared helpers for the benchmarks: timing and a throwaway PostgreSQL database."""

import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.migrate import migrate

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def spread(values: list[float]) -> tuple[float, float, float]:
    """(min, median, max) of repeated measurements."""
    return min(values), statistics.median(values), max(values)


def best_seconds(run: Callable[[], object], *, repeat: int = 5, number: int = 1) -> float:
    """The best wall time of `repeat` rounds of `number` calls, per call."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - started) / number)
    return best


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """Create an empty PostgreSQL database, migrated to head, and drop it afterwards.

    Its name is `prefix` plus this process and a random suffix, so benches (and two runs of
    one bench) can run at once against the same server.
    """
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
