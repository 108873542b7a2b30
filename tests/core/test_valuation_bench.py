"""bench.valuation_bench at a tiny size: its seeded cars and history, its phase timings, its
simulated crawl and the recomputes after it."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

import bench.common
from bench.market_bench import DATA, load, resample
from bench.valuation_bench import (
    CRAWL_EVERY,
    bench_size,
    crawl,
    reset_values,
    seed,
    timed_recompute,
)
from core.models import utcnow

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is not present")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_seeded_cars_get_market_values_and_price_drops(db_engine: Engine) -> None:
    listings = resample(load(DATA), 800, mileage_step=1_000)
    now = utcnow()
    history = seed(db_engine, listings, now)
    assert 800 <= history <= 3 * 800

    run = timed_recompute(db_engine, now, 5)
    phases = ("load", "estimate_all", "_price_changes", "store")
    assert set(run.seconds) == {"recompute", *phases}
    assert all(run.seconds[phase] >= 0 for phase in phases)
    assert sum(run.seconds[phase] for phase in phases) <= run.seconds["recompute"]

    with db_engine.connect() as conn:
        valued, dropped, changed, gone = conn.execute(
            text(
                "SELECT count(market_price_jpy), count(*) FILTER (WHERE price_change_jpy < 0),"
                " count(price_change_jpy), count(*) FILTER (WHERE NOT is_active)"
                " FROM cars LEFT JOIN car_market ON car_id = id"
            )
        ).one()
        several = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT car_id FROM car_price_history"
                " WHERE total_price_jpy IS NOT NULL GROUP BY car_id HAVING count(*) > 1) AS s"
            )
        ).scalar_one()
        oldest_gone = conn.execute(
            text("SELECT min(last_seen_at) FROM cars WHERE NOT is_active")
        ).scalar_one()
    assert valued > 0.5 * 800
    # Every earlier price was dearer: each car with two priced observations dropped its price.
    assert changed == dropped == several > 0.4 * 800
    # A row for every car recompute took in: the valued ones and those with too few comparables.
    assert valued <= run.rows <= 800
    assert gone > 0 and oldest_gone > now - timedelta(days=90)

    # Written again from NULL, every valued car once more; unchanged, none.
    reset_values(db_engine)
    assert timed_recompute(db_engine, now, 5).rows == run.rows
    assert timed_recompute(db_engine, now, 5).rows == 0


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_crawl_adds_removes_and_reprices_cars_and_only_what_changed_is_written(
    db_engine: Engine,
) -> None:
    reals = load(DATA)
    now = utcnow()
    seed(db_engine, resample(reals, 1_000, mileage_step=1_000), now)
    first = timed_recompute(db_engine, now, 5)
    crawled_at = now + CRAWL_EVERY
    with db_engine.connect() as conn:
        active_before = conn.execute(text("SELECT count(*) FROM cars WHERE is_active")).scalar()

    done = crawl(db_engine, reals, 1_000, 1, crawled_at)

    assert (done.new, done.gone, done.repriced) == (20, 20, 50)
    with db_engine.connect() as conn:
        cars, active, new, gone, repriced, history, runs = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE is_active),"
                " count(*) FILTER (WHERE first_seen_at = :at AND last_seen_at = :at),"
                " count(*) FILTER (WHERE NOT is_active AND updated_at = :at"
                "  AND last_seen_at < :at),"
                " count(*) FILTER (WHERE is_active AND updated_at = :at AND first_seen_at < :at),"
                " (SELECT count(*) FROM car_price_history WHERE observed_at = :at),"
                " (SELECT count(*) FROM crawl_runs WHERE progress_at = :at)"
                " FROM cars"
            ),
            {"at": crawled_at},
        ).one()
    assert (cars, new, gone, repriced, history, runs) == (1_020, 20, 20, 50, 70, 1)
    assert active == active_before

    after = timed_recompute(db_engine, crawled_at, 5)
    with db_engine.connect() as conn:
        new_valued = conn.execute(
            text(
                "SELECT count(market_price_jpy) FROM cars JOIN car_market ON car_id = id"
                " WHERE first_seen_at = :at"
            ),
            {"at": crawled_at},
        ).scalar_one()
    # The new cars got values; far from every car changed.
    assert new_valued <= after.rows < first.rows
    assert timed_recompute(db_engine, crawled_at, 5).rows == 0


def test_bench_logs_each_case_and_the_budget(
    pg_server: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bench.common, "ADMIN_URL", pg_server)
    caplog.set_level(logging.INFO, logger="bench.valuation")
    bench_size(load(DATA), 300, rounds=2, budget=60)
    lines = [record.getMessage() for record in caplog.records if record.name == "bench.valuation"]
    assert lines[0].startswith("300 cars (")
    assert sum(line.startswith("crawl ") for line in lines) == 2
    for case in ("first recompute", "after a crawl", "nothing changed"):
        assert any(line.startswith(case) for line in lines)
    assert sum(line.lstrip().startswith("store ") for line in lines) == 3
    assert sum(line.lstrip().startswith("recompute ÷ baseline") for line in lines) == 3
    # Nothing changed, nothing written.
    assert all(" nothing changed 0 rows " in line for line in lines if line.startswith("crawl "))
    assert "budget 60 s after a crawl: pass" in lines[-1]
