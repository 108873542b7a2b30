"""Market value recompute (issue 18): core.valuation.recompute on PostgreSQL, 50k and 500k cars.

The scheduler recomputes every car's market value after every crawl that changed anything: load
the active and recently gone cars, estimate (core.market.estimate_all), read the price history
for the last price change, and write the value columns back in batches. The budget is 60 s at
500k listings.

Per size, a scratch PostgreSQL database (bench.common) gets, by COPY, cars resampled from
`--data` (default ../shared/carsensor-data/listings.jsonl, a clean skip when absent) the way
bench.market_bench resamples them (mileage ×0.9–1.1 to carsensor's 1,000 km, total price
×0.95–1.05), named by core.vocab from their carsensor model codes, with 1–3 price history rows
each (earlier ones 1–5 % dearer). The file's delisted listings are recently gone cars.

`--rounds` rounds, each timing `estimate_all` alone on the same listings first (the baseline,
the estimator's share), then `recompute` and its commit, with the time spent inside
estimate_all and _price_changes during it; VACUUM after each round, as autovacuum would.
"""

import argparse
import logging
import random
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.common import scratch_database, spread
from bench.market_bench import DATA, Real, load, resample, timed
from core import valuation, vocab
from core.db import make_engine
from core.market import Listing, estimate_all
from core.models import utcnow
from core.settings import get_settings

logger = logging.getLogger("bench.valuation")
MEDIAN_FEE_JPY = 120_000  # the file's median fees (total − body): a total less them is the body
# The recompute's inner steps timed in place; load is what comes before them, store after.
PHASES = ("estimate_all", "_price_changes")
CAR_COLUMNS = (
    "id", "source", "external_id", "url", "make", "make_ja", "make_code", "model", "model_ja",
    "year", "mileage_km", "price_jpy", "total_price_jpy", "repair_history", "is_active",
    "first_seen_at", "last_seen_at", "updated_at",
)  # fmt: skip
HISTORY_COLUMNS = ("car_id", "price_jpy", "total_price_jpy", "observed_at")


def names() -> dict[str, tuple[str, str, str, str, str]]:
    """carsensor model code → (make, make_ja, make code, model, model_ja), from core.vocab."""
    out = {}
    for model in vocab.MODELS:
        make = vocab.make_by_code(model.code.partition("_")[0])
        if model.code and make:
            out[model.code] = (make.en, make.ja, make.code, model.en, model.ja)
    return out


def body_price(total: int | None) -> int | None:
    """A plausible body price for a total price (never below half of it)."""
    return None if total is None else max(total - MEDIAN_FEE_JPY, total // 2)


def seed(engine: Engine, listings: list[Listing], now: datetime) -> int:
    """COPY the listings into cars (id = listing id + 1) with their price history; VACUUM
    ANALYZE. How many history rows it wrote."""
    rng = random.Random(18)
    named = names()
    raw = engine.raw_connection()
    histories = []
    cars = f"COPY cars ({', '.join(CAR_COLUMNS)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(cars) as copier:  # type: ignore[attr-defined]
        for car in listings:
            make, make_ja, make_code, model, model_ja = named[car.model]
            external_id = f"AU{8_000_000_000 + car.id}"
            # Active cars were seen by the last crawl; the file's delisted ones went within 60 days.
            last_seen = now - timedelta(
                hours=rng.uniform(0, 6) if car.active else rng.uniform(24, 60 * 24)
            )
            first_seen = last_seen - timedelta(days=rng.uniform(0, 120))
            copier.write_row((
                car.id + 1, "carsensor", external_id,
                f"https://www.carsensor.net/usedcar/detail/{external_id}/index.html",
                make, make_ja, make_code, model, model_ja, car.year, car.mileage_km,
                body_price(car.total_price_jpy), car.total_price_jpy, car.repair_history,
                car.active, first_seen, last_seen, last_seen,
            ))  # fmt: skip
            changes = rng.randrange(3)
            span = (last_seen - first_seen) / (changes + 1)
            total = car.total_price_jpy
            for step in range(changes, -1, -1):
                histories.append((car.id + 1, body_price(total), total, first_seen + span * step))
                if total is not None:
                    total = round(total * rng.uniform(1.01, 1.05) / 1_000) * 1_000
    statement = f"COPY car_price_history ({', '.join(HISTORY_COLUMNS)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copier:  # type: ignore[attr-defined]
        for row in histories:
            copier.write_row(row)
    raw.commit()
    raw.close()
    vacuum(engine, analyze=True)
    return len(histories)


def vacuum(engine: Engine, *, analyze: bool = False) -> None:
    """VACUUM (outside a transaction) the tables recompute reads and rewrites."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("cars", "car_price_history"):
            conn.execute(text(f"VACUUM {'ANALYZE ' if analyze else ''}{table}"))


@contextmanager
def phase_spans() -> Iterator[dict[str, tuple[float, float]]]:
    """(start, end) of each PHASES function of core.valuation called meanwhile."""
    spans: dict[str, tuple[float, float]] = {}
    originals = {name: getattr(valuation, name) for name in PHASES}

    def spanned(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spans[name] = (started, time.perf_counter())

        return call

    for name, function in originals.items():
        setattr(valuation, name, spanned(name, function))
    try:
        yield spans
    finally:
        for name, function in originals.items():
            setattr(valuation, name, function)


def timed_recompute(engine: Engine, now: datetime, min_comparables: int) -> dict[str, float]:
    """One recompute and its commit, as the scheduler runs it: seconds in all, and per phase."""
    with Session(engine) as session, phase_spans() as spans:
        started = time.perf_counter()
        valuation.recompute(session=session, min_comparables=min_comparables, now=now)
        session.commit()
        ended = time.perf_counter()
    inner = spans.values()
    return {
        "recompute": ended - started,
        "load": min(start for start, _ in inner) - started,
        **{name: end - start for name, (start, end) in spans.items()},
        "store": ended - max(end for _, end in inner),
    }


def bench_size(reals: list[Real], size: int, rounds: int, budget: float) -> None:
    """Seed, then time recompute against estimate_all alone, and log the figures."""
    # Keyed as core.valuation keys a model (make + carsensor's model name) for the baseline.
    named = names()
    listings = resample(reals, size, mileage_step=1_000)
    keyed = [replace(car, model=f"{named[car.model][0]}|{named[car.model][4]}") for car in listings]
    now = utcnow()
    with scratch_database("bench_valuation") as url:
        engine = make_engine(url)
        started = time.perf_counter()
        history = seed(engine, listings, now)
        logger.info(
            "%d cars (%d active), %d price history rows, seeded in %.0f s",
            size,
            sum(car.active for car in listings),
            history,
            time.perf_counter() - started,
        )
        min_comparables = get_settings().market_min_comparables
        baselines, runs = [], []
        for _ in range(rounds):
            baselines.append(timed(estimate_all, keyed, min_comparables=min_comparables))
            runs.append(timed_recompute(engine, now, min_comparables))
            vacuum(engine)
        engine.dispose()
    totals = [run["recompute"] for run in runs]
    logger.info("%d cars, %d rounds, min / median / max:", size, rounds)
    logger.info("  recompute               %6.2f / %6.2f / %6.2f s", *spread(totals))
    for phase in runs[0]:
        if phase != "recompute":
            logger.info(
                "    %-21s %6.2f / %6.2f / %6.2f s", phase, *spread([run[phase] for run in runs])
            )
    logger.info("  estimate_all alone      %6.2f / %6.2f / %6.2f s", *spread(baselines))
    logger.info(
        "  recompute ÷ baseline    %6.2f / %6.2f / %6.2f ×",
        *spread([t / b for t, b in zip(totals, baselines, strict=True)]),
    )
    logger.info(
        "  budget %.0f s: %s (%.2f× at the max); peak RSS so far %.0f MB",
        budget,
        "pass" if max(totals) <= budget else "FAIL",
        max(totals) / budget,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def main() -> None:
    """Every size in turn, each in its own scratch database."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA, help="carsensor listings.jsonl")
    parser.add_argument("--sizes", type=int, nargs="*", default=[50_000, 500_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds, judged at every size")
    args = parser.parse_args()
    if not args.data.exists():
        logger.info("valuation_bench skipped: %s is not present", args.data)
        return
    reals = load(args.data)
    for size in args.sizes:
        bench_size(reals, size, args.rounds, args.budget)


if __name__ == "__main__":
    main()
