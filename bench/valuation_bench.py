"""Market value recompute (issue 18): core.valuation.recompute on PostgreSQL, 50k and 500k cars.

The scheduler recomputes the market values after every crawl that changed anything: load the
active and recently gone cars with their stored values, estimate (core.market.estimate_all),
read the price history for the last price change, and write back the cars whose values changed.
The budget is 60 s at 500k listings, after a crawl.

Per size, a scratch PostgreSQL database (bench.common) gets, by COPY, cars resampled from
`--data` (default ../shared/carsensor-data/listings.jsonl, a clean skip when absent) the way
bench.market_bench resamples them (mileage ×0.9–1.1 to carsensor's 1,000 km, total price
×0.95–1.05), named by core.vocab from their carsensor model codes, with 1–3 price history rows
each (earlier ones 1–5 % dearer). The file's delisted listings are recently gone cars.

Three cases, each round timing `estimate_all` alone on the cars recompute estimates first (the
baseline, the estimator's share), then `recompute` and its commit, with the time spent inside
estimate_all and _price_changes during it:

- first: no car valued yet, so every car is written (car_market is emptied and the tables
  vacuumed before each round after the first);
- after a crawl: a full-site crawl a day after the last (a different one each round, on top of
  the previous round's): NEW_SHARE of the cars new, GONE_SHARE gone, REPRICED_SHARE repriced by
  1–5 % either way, stored as crawler.storage would, with an ended crawl run;
- nothing changed: recompute again right after, with nothing changed.

VACUUM after each round, as autovacuum would.
"""

import argparse
import logging
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from bench.common import scratch_database, spread
from bench.market_bench import DATA, Real, load, resample, timed
from core import valuation, vocab
from core.db import make_engine
from core.filters import MARKET
from core.market import Listing, estimate_all
from core.models import CrawlRun, utcnow
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
# A day's turnover of the whole site, as shares of the cars seeded.
NEW_SHARE, GONE_SHARE, REPRICED_SHARE = 0.02, 0.02, 0.05
CRAWL_EVERY = timedelta(days=1)
# The recompute with nothing changed runs this long after the one after the crawl.
AGAIN_AFTER = timedelta(minutes=10)
CarRow = tuple[Any, ...]
HistoryRow = tuple[int, int | None, int | None, datetime]
# carsensor model code → (make, make_ja, make code, model, model_ja)
Names = dict[str, tuple[str, str, str, str, str]]


def names() -> Names:
    """The model codes of core.vocab with their names."""
    out = {}
    for model in vocab.MODELS:
        make = vocab.make_by_code(model.code.partition("_")[0])
        if model.code and make:
            out[model.code] = (make.en, make.ja, make.code, model.en, model.ja)
    return out


def body_price(total: int | None) -> int | None:
    """A plausible body price for a total price (never below half of it)."""
    return None if total is None else max(total - MEDIAN_FEE_JPY, total // 2)


def car_row(
    car_id: int,
    car: Listing,
    named: Names,
    first_seen: datetime,
    last_seen: datetime,
) -> CarRow:
    """The CAR_COLUMNS of a resampled listing (its model a carsensor model code)."""
    make, make_ja, make_code, model, model_ja = named[car.model]
    external_id = f"AU{8_000_000_000 + car_id}"
    return (
        car_id, "carsensor", external_id,
        f"https://www.carsensor.net/usedcar/detail/{external_id}/index.html",
        make, make_ja, make_code, model, model_ja, car.year, car.mileage_km,
        body_price(car.total_price_jpy), car.total_price_jpy, car.repair_history,
        car.active, first_seen, last_seen, last_seen,
    )  # fmt: skip


def copy_rows(engine: Engine, cars: list[CarRow], history: list[HistoryRow]) -> None:
    """COPY cars and price history rows in, and commit."""
    raw = engine.raw_connection()
    try:
        for table, columns, rows in (
            ("cars", CAR_COLUMNS, cars),
            ("car_price_history", HISTORY_COLUMNS, history),
        ):
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copier:  # type: ignore[attr-defined]
                for row in rows:
                    copier.write_row(row)
        raw.commit()
    finally:
        raw.close()


def seed(engine: Engine, listings: list[Listing], now: datetime) -> int:
    """COPY the listings into cars (id = listing id + 1) with their price history; VACUUM
    ANALYZE. How many history rows it wrote."""
    rng = random.Random(18)
    named = names()
    cars, histories = [], []
    for car in listings:
        # Active cars were seen by the last crawl; the file's delisted ones went within 60 days.
        last_seen = now - timedelta(
            hours=rng.uniform(0, 6) if car.active else rng.uniform(24, 60 * 24)
        )
        first_seen = last_seen - timedelta(days=rng.uniform(0, 120))
        cars.append(car_row(car.id + 1, car, named, first_seen, last_seen))
        changes = rng.randrange(3)
        span = (last_seen - first_seen) / (changes + 1)
        total = car.total_price_jpy
        for step in range(changes, -1, -1):
            histories.append((car.id + 1, body_price(total), total, first_seen + span * step))
            if total is not None:
                total = round(total * rng.uniform(1.01, 1.05) / 1_000) * 1_000
    copy_rows(engine, cars, histories)
    vacuum(engine, analyze=True)
    return len(histories)


def vacuum(engine: Engine, *, analyze: bool = False) -> None:
    """VACUUM (outside a transaction) the tables recompute reads and rewrites."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("cars", "car_price_history", "car_market"):
            conn.execute(text(f"VACUUM {'ANALYZE ' if analyze else ''}{table}"))


def reset_values(engine: Engine) -> None:
    """No car valued, as before the first recompute."""
    with engine.begin() as conn:
        conn.execute(delete(MARKET))


def market_listings(engine: Engine, now: datetime) -> list[Listing]:
    """What recompute hands estimate_all at `now`, read the way it reads them."""
    with engine.connect() as conn:
        rows = conn.execute(select(*valuation.READ).where(valuation.in_market(now))).all()
    return [
        valuation.market_listing(row, key)
        for row in rows
        if (key := valuation.model_key(row)) is not None
    ]


@dataclass(frozen=True, slots=True)
class Crawl:
    """What one simulated crawl did to the cars."""

    new: int
    gone: int
    repriced: int


def repriced_total(total: int, rng: random.Random) -> int:
    """A new total price 1–5 % above or below `total`, to carsensor's 1,000 yen."""
    factor = 1 + rng.choice((-1, 1)) * rng.uniform(0.01, 0.05)
    new = round(total * factor / 1_000) * 1_000
    return new if new != total else total - 1_000


def crawl(engine: Engine, reals: list[Real], size: int, number: int, now: datetime) -> Crawl:
    """Crawl `number` of the whole site at `now`, as crawler.storage stores it: NEW_SHARE of
    `size` new listings (resampled, seen now, one history row), GONE_SHARE of them gone
    (inactive; last_seen_at keeps their last sighting, as deactivate_stale leaves it),
    REPRICED_SHARE repriced (seen now, a history row); each stamps updated_at. An ended crawl
    run records it. Deterministic in `number`."""
    rng = random.Random(number)
    with engine.connect() as conn:
        active = conn.execute(
            text("SELECT id, total_price_jpy FROM cars WHERE is_active ORDER BY id")
        ).all()
        next_id = int(conn.execute(text("SELECT max(id) FROM cars")).scalar_one()) + 1
    gone = rng.sample([car_id for car_id, _ in active], round(size * GONE_SHARE))
    left = set(gone)
    priced = [(car_id, total) for car_id, total in active if car_id not in left and total]
    repriced = [
        (car_id, repriced_total(total, rng))
        for car_id, total in rng.sample(priced, round(size * REPRICED_SHARE))
    ]
    fresh = resample(reals, round(size * NEW_SHARE), mileage_step=1_000, seed=100_000 + number)
    named = names()
    cars = [car_row(next_id + car.id, replace(car, active=True), named, now, now) for car in fresh]
    history = [
        (next_id + car.id, body_price(car.total_price_jpy), car.total_price_jpy, now)
        for car in fresh
    ]
    copy_rows(engine, cars, history)
    ids = [car_id for car_id, _ in repriced]
    totals = [total for _, total in repriced]
    bodies = [body_price(total) for total in totals]
    changes = {"now": now, "ids": ids, "totals": totals, "bodies": bodies, "gone": gone}
    with Session(engine) as session, session.begin():
        session.execute(
            text(
                "UPDATE cars SET total_price_jpy = new.total, price_jpy = new.body,"
                " last_seen_at = :now, updated_at = :now"
                " FROM unnest(CAST(:ids AS bigint[]), CAST(:totals AS bigint[]),"
                " CAST(:bodies AS bigint[])) AS new (id, total, body) WHERE cars.id = new.id"
            ),
            changes,
        )
        session.execute(
            text(
                "INSERT INTO car_price_history (car_id, price_jpy, total_price_jpy, observed_at)"
                " SELECT id, body, total, :now FROM unnest(CAST(:ids AS bigint[]),"
                " CAST(:totals AS bigint[]), CAST(:bodies AS bigint[])) AS new (id, total, body)"
            ),
            changes,
        )
        session.execute(
            text("UPDATE cars SET is_active = false, updated_at = :now WHERE id = ANY(:gone)"),
            changes,
        )
        session.add(
            CrawlRun(
                shard="all",
                node="bench",
                job_id=f"bench-crawl-{number}",
                status="finished",
                started_at=now - timedelta(hours=1),
                finished_at=now,
                progress_at=now,
                outcome="finished",
                listings_new=len(fresh),
                listings_changed=len(repriced),
                listings_gone=len(gone),
            )  # fmt: skip
        )
    return Crawl(len(fresh), len(gone), len(repriced))


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


@dataclass(frozen=True, slots=True)
class Run:
    """One timed recompute: the rows it wrote, and seconds in all and per phase."""

    rows: int
    seconds: dict[str, float]


def timed_recompute(engine: Engine, now: datetime, min_comparables: int) -> Run:
    """One recompute and its commit, as the scheduler runs it."""
    with Session(engine) as session, phase_spans() as spans:
        started = time.perf_counter()
        rows = valuation.recompute(session=session, min_comparables=min_comparables, now=now)
        session.commit()
        ended = time.perf_counter()
    inner = spans.values()
    return Run(
        rows,
        {
            "recompute": ended - started,
            "load": min(start for start, _ in inner) - started,
            **{name: end - start for name, (start, end) in spans.items()},
            "store": ended - max(end for _, end in inner),
        },
    )


def report(case: str, runs: list[Run], baselines: list[float]) -> None:
    """Log a case's min / median / max seconds, per phase, rows written and the ratio."""
    totals = [run.seconds["recompute"] for run in runs]
    logger.info("%s, %d rounds, min / median / max:", case, len(runs))
    logger.info("  recompute               %6.2f / %6.2f / %6.2f s", *spread(totals))
    for phase in runs[0].seconds:
        if phase != "recompute":
            logger.info(
                "    %-21s %6.2f / %6.2f / %6.2f s",
                phase,
                *spread([run.seconds[phase] for run in runs]),
            )
    rows = [run.rows for run in runs]
    logger.info(
        "  rows written            %d / %d / %d", min(rows), statistics.median(rows), max(rows)
    )
    logger.info("  estimate_all alone      %6.2f / %6.2f / %6.2f s", *spread(baselines))
    logger.info(
        "  recompute ÷ baseline    %6.2f / %6.2f / %6.2f ×",
        *spread([t / b for t, b in zip(totals, baselines, strict=True)]),
    )


def bench_size(reals: list[Real], size: int, rounds: int, budget: float) -> None:
    """Seed, then time the three cases against estimate_all alone, and log the figures."""
    listings = resample(reals, size, mileage_step=1_000)
    now = utcnow()
    min_comparables = get_settings().market_min_comparables
    first: list[Run] = []
    crawled: list[Run] = []
    again: list[Run] = []
    first_base: list[float] = []
    crawl_base: list[float] = []
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
        market = market_listings(engine, now)
        for round_ in range(rounds):
            if round_:
                reset_values(engine)
                vacuum(engine)
            first_base.append(timed(estimate_all, market, min_comparables=min_comparables))
            first.append(timed_recompute(engine, now, min_comparables))
        vacuum(engine)
        for number in range(1, rounds + 1):
            crawled_at = now + number * CRAWL_EVERY
            done = crawl(engine, reals, size, number, crawled_at)
            market = market_listings(engine, crawled_at)
            crawl_base.append(timed(estimate_all, market, min_comparables=min_comparables))
            crawled.append(timed_recompute(engine, crawled_at, min_comparables))
            again.append(timed_recompute(engine, crawled_at + AGAIN_AFTER, min_comparables))
            vacuum(engine)
            logger.info(
                "crawl %d: %d new, %d gone, %d repriced; recompute wrote %d rows in %.2f s"
                " (estimate_all alone %.2f s), then with nothing changed %d rows in %.2f s",
                number,
                done.new,
                done.gone,
                done.repriced,
                crawled[-1].rows,
                crawled[-1].seconds["recompute"],
                crawl_base[-1],
                again[-1].rows,
                again[-1].seconds["recompute"],
            )
        engine.dispose()
    logger.info("%d cars:", size)
    report("first recompute (every car written)", first, first_base)
    report("after a crawl", crawled, crawl_base)
    report("nothing changed", again, crawl_base)
    worst = max(run.seconds["recompute"] for run in crawled)
    logger.info(
        "  budget %.0f s after a crawl: %s (%.2f× at the max); peak RSS so far %.0f MB",
        budget,
        "pass" if worst <= budget else "FAIL",
        worst / budget,
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
    parser.add_argument("--rounds", type=int, default=3, help="of each case")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds after a crawl, judged at every size"
    )
    args = parser.parse_args()
    if not args.data.exists():
        logger.info("valuation_bench skipped: %s is not present", args.data)
        return
    reals = load(args.data)
    for size in args.sizes:
        bench_size(reals, size, args.rounds, args.budget)


if __name__ == "__main__":
    main()
