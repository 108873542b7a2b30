"""The models and the migrations describe one schema, on PostgreSQL and on SQLite."""

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from core.db import make_engine
from core.models import Base
from tests.conftest import ROOT, pg_url

# What PostgreSQL and SQLite may print differently for one definition: a migration's ALTER
# makes PostgreSQL re-print a partial index's casts, and SQLite keeps a migration's own spelling.
CAST = re.compile(r"::\w+(?: varying| precision)?(?:\[\])*")
NOISE = re.compile(r'public\.|["()\s]')
POSTGRES_DEFINITIONS = text(
    "SELECT indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
    " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'alembic_version'"
)
SQLITE_DEFINITIONS = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
)


@pytest.fixture(params=["postgresql", "sqlite"])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two new, empty databases of one kind: one for the migrations, one for the models."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}", f"sqlite:///{tmp_path / 'declared.db'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    names = [f"carsensor_schema_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield pg_url(names[0]), pg_url(names[1])
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the alembic command line on DATABASE_URL=`url`, as `make migrate` does."""
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def definitions(url: str) -> dict[str, str]:
    """Every index (and on PostgreSQL every constraint) of the database, by name: its SQL."""
    engine = make_engine(url)
    with engine.connect() as conn:
        postgres = engine.dialect.name == "postgresql"
        rows = conn.execute(POSTGRES_DEFINITIONS if postgres else SQLITE_DEFINITIONS).all()
    engine.dispose()
    return {name: NOISE.sub("", CAST.sub("", sql)) for name, sql in rows}


def test_alembic_check_finds_nothing_to_generate(two_databases: tuple[str, str]) -> None:
    url, _ = two_databases
    upgrade = alembic(url, "upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    check = alembic(url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected." in check.stdout


def test_models_create_the_indexes_and_constraints_the_migrations_do(
    two_databases: tuple[str, str],
) -> None:
    # alembic check cannot see everything: SQLite reflects no expression index, PostgreSQL's
    # comparison drops quotes (a string constant passes for a column), neither compares CHECKs.
    migrated, declared = two_databases
    assert alembic(migrated, "upgrade", "head").returncode == 0
    engine = make_engine(declared)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Migration 0002 creates the extension the search index needs; models cannot.
            conn.execute(text("CREATE EXTENSION pg_trgm"))
        Base.metadata.create_all(conn)
    engine.dispose()
    assert definitions(declared) == definitions(migrated)


def test_migration_0011_samples_the_search_text_finely_and_downgrades(
    two_databases: tuple[str, str],
) -> None:
    url, _ = two_databases
    if not url.startswith("postgresql"):
        pytest.skip("a statistics target is PostgreSQL's")
    target = text(
        "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'ix_cars_search_trgm'::regclass"
    )
    engine = make_engine(url)
    try:
        assert alembic(url, "upgrade", "head").returncode == 0
        with engine.connect() as conn:
            assert conn.scalar(target) == 1000
        assert alembic(url, "downgrade", "0010").returncode == 0
        with engine.connect() as conn:
            assert conn.scalar(target) in (-1, None)  # the default: -1, NULL from PostgreSQL 17
    finally:
        engine.dispose()


def test_migration_0012_sorts_by_total_price_and_downgrades(
    two_databases: tuple[str, str],
) -> None:
    url, _ = two_databases
    assert alembic(url, "upgrade", "head").returncode == 0
    price_index = definitions(url)["ix_cars_sort_price"]
    assert "total_price_jpy" in price_index and "coalesce" not in price_index.lower()
    assert {"exchange_rates", "chat_states"} <= set(inspect_tables(url))
    assert alembic(url, "downgrade", "0011").returncode == 0
    assert "coalesce" in definitions(url)["ix_cars_sort_price"].lower()
    assert not {"exchange_rates", "chat_states"} & set(inspect_tables(url))
    assert alembic(url, "upgrade", "head").returncode == 0


def inspect_tables(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


COLUMNS_0016 = ("comparables", "price", "deal", "ratio", "change")


def test_migration_0016_moves_the_market_values_to_car_market_and_back(
    two_databases: tuple[str, str],
) -> None:
    url, _ = two_databases
    assert alembic(url, "upgrade", "0015").returncode == 0
    engine = make_engine(url)
    values = "market_price_jpy, deal, deal_ratio, price_change_jpy"
    try:
        with engine.begin() as conn:
            for id_, row in ((1, (9, 2_000_000, "good", 0.9, -50_000)), (2, (None,) * 5)):
                conn.execute(
                    text(
                        "INSERT INTO cars (id, source, external_id, url, is_active,"
                        " first_seen_at, last_seen_at, updated_at, market_comparables,"
                        f" {values}) VALUES (:id, 'carsensor', :id, 'u', true,"
                        " :at, :at, :at, :comparables, :price, :deal, :ratio, :change)"
                    ),
                    {
                        "id": id_,
                        "at": "2026-12-01 00:00:00+00",
                        **dict(zip(COLUMNS_0016, row, strict=True)),
                    },
                )
        assert alembic(url, "upgrade", "0016").returncode == 0
        with engine.connect() as conn:
            moved = conn.execute(text(f"SELECT car_id, {values} FROM car_market")).all()
        # The valued car keeps its values; one never valued gets its row at the next recompute.
        assert [tuple(row) for row in moved] == [(1, 2_000_000, "good", 0.9, -50_000)]
        assert alembic(url, "downgrade", "0015").returncode == 0
        with engine.connect() as conn:
            back = conn.execute(text(f"SELECT id, {values} FROM cars ORDER BY id")).all()
        assert [tuple(row) for row in back] == [
            (1, 2_000_000, "good", 0.9, -50_000), (2, None, None, None, None),
        ]  # fmt: skip
    finally:
        engine.dispose()
