"""bench.valuation_bench at a tiny size: its seeded cars and history, and its phase timings."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

import bench.common
from bench.market_bench import DATA, load, resample
from bench.valuation_bench import bench_size, seed, timed_recompute
from core.models import utcnow

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is not present")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_seeded_cars_get_market_values_and_price_drops(db_engine: Engine) -> None:
    listings = resample(load(DATA), 800, mileage_step=1_000)
    now = utcnow()
    history = seed(db_engine, listings, now)
    assert 800 <= history <= 3 * 800

    timings = timed_recompute(db_engine, now, 5)
    phases = ("load", "estimate_all", "_price_changes", "store")
    assert set(timings) == {"recompute", *phases}
    assert all(timings[phase] >= 0 for phase in phases)
    assert sum(timings[phase] for phase in phases) <= timings["recompute"]

    with db_engine.connect() as conn:
        valued, dropped, changed, gone = conn.execute(
            text(
                "SELECT count(market_price_jpy), count(*) FILTER (WHERE price_change_jpy < 0),"
                " count(price_change_jpy), count(*) FILTER (WHERE NOT is_active) FROM cars"
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
    assert gone > 0 and oldest_gone > now - timedelta(days=90)


def test_bench_logs_each_phase_and_the_budget(
    pg_server: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bench.common, "ADMIN_URL", pg_server)
    caplog.set_level(logging.INFO, logger="bench.valuation")
    bench_size(load(DATA), 300, rounds=2, budget=60)
    lines = [record.getMessage() for record in caplog.records if record.name == "bench.valuation"]
    assert lines[0].startswith("300 cars (")
    assert any(line.lstrip().startswith("store ") for line in lines)
    assert any(line.lstrip().startswith("recompute ÷ baseline") for line in lines)
    assert "budget 60 s: pass" in lines[-1]
