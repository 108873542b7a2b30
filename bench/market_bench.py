"""Market value (issue 18): core.market's accuracy on real carsensor prices, and its speed.

Accuracy, on `--data` (default ../shared/carsensor-data/listings.jsonl: 4,542 real listings of
2026-08; see SOURCES.txt there; a clean skip when it is absent). A listing there is active
unless it has a `delisted_on` date (then recently gone: a comparable only); its model is its
carsensor model code (TO_S010 is アルファードハイブリッド, what a card's model name tells apart),
or with `--keys model` the canonical English model of core.vocab (Alphard). Every active listing
with a total price is scored by the median absolute percentage error (MdAPE) of its estimate
against that price, two ways:

- leave-one-out: `estimate_all` over the whole file, which never prices a listing by its own
  cell; the baselines leave out the listing itself only;
- a fixed 80/20 split by listing (crc32 of the listing id): the 20 % are estimated with their
  prices hidden, from the 80 %.

Baselines, in the same run: the median of the model's other prices, and of the model-and-year's.
The ratio to the model-and-year baseline is taken on the listings that all three price, with a
95 % paired bootstrap interval. The split also scores a Huber regression per model of log price
on age, log mileage and repair history (method b of the issue), and one with a level per model
year instead of the age slope, both falling back to the model-and-year median.

Speed: `estimate_all` on `--sizes` listings resampled from the file (mileage ×0.9–1.1 rounded to
carsensor's 1,000 km, or to the km for a cell per listing; total price ×0.95–1.05; fresh ids),
`--rounds` rounds, each timing the model-and-year median baseline over the same listings first.
"""

import argparse
import json
import logging
import math
import random
import statistics
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from bench.common import spread
from core import vocab
from core.market import DEALS, Estimate, Listing, deal, estimate_all, solve

logger = logging.getLogger("bench.market")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "carsensor-data" / "listings.jsonl"
SETTINGS = (3, 5, 10, 20)
DEFAULT_MIN = 5
TODAY_YEAR = 2026  # the file's listings were seen in August 2026: the regression's age origin
BOOTSTRAP = 1000
BASELINE = "model-and-year median"
BASELINES = ("model median", BASELINE)


@dataclass(frozen=True, slots=True)
class Real:
    """One listing of the file, with its carsensor model code and its English model."""

    listing_id: str
    code: str
    model: str
    year: int
    mileage_km: int | None
    repair_history: bool
    total_price_jpy: int | None
    active: bool


def load(path: Path) -> list[Real]:
    """The file's listings (万円 → yen)."""
    english = {model.code: f"{model.make}|{model.en}" for model in vocab.MODELS}
    listings = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            total = row["total_price_manyen"]
            listings.append(
                Real(
                    listing_id=row["listing_id"],
                    code=row["carsensor_code"],
                    model=english.get(row["carsensor_code"], row["carsensor_code"]),
                    year=row["model_year"],
                    mileage_km=row["mileage_km"],
                    repair_history=row["repair_history"] == "あり",
                    total_price_jpy=None if total is None else round(total * 10_000),
                    active=row["delisted_on"] is None,
                )
            )
    return listings


def as_listings(reals: list[Real], keys: str, hidden: Collection[str] = ()) -> list[Listing]:
    """core.market's listings, numbered in file order; prices in `hidden` left out."""
    return [
        Listing(
            id=n,
            model=real.code if keys == "code" else real.model,
            year=real.year,
            mileage_km=real.mileage_km,
            repair_history=real.repair_history,
            total_price_jpy=None if real.listing_id in hidden else real.total_price_jpy,
            active=real.active,
        )
        for n, real in enumerate(reals)
    ]


def in_test(listing_id: str) -> bool:
    """The fixed 20 % of the split."""
    return zlib.crc32(listing_id.encode()) % 5 == 0


# --- baselines ---------------------------------------------------------------------------------


def group_medians(
    listings: list[Listing], key: Callable[[Listing], tuple[object, ...]], *, leave_out_self: bool
) -> dict[int, float]:
    """Per active listing, the median price of the priced listings of its group."""
    prices: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for car in listings:
        if car.total_price_jpy:
            prices[key(car)].append(car.total_price_jpy)
    whole = {group: statistics.median(values) for group, values in prices.items()}
    medians = {}
    for car in listings:
        group = key(car)
        if not car.active or group not in whole:
            continue
        if leave_out_self and car.total_price_jpy:
            others = prices[group].copy()
            others.remove(car.total_price_jpy)
            if others:
                medians[car.id] = statistics.median(others)
        else:
            medians[car.id] = whole[group]
    return medians


def model_median(listings: list[Listing], *, leave_out_self: bool) -> dict[int, float]:
    return group_medians(listings, lambda car: (car.model,), leave_out_self=leave_out_self)


def model_year_median(listings: list[Listing], *, leave_out_self: bool) -> dict[int, float]:
    return group_medians(listings, lambda car: (car.model, car.year), leave_out_self=leave_out_self)


# --- method (b): a robust regression per model ---------------------------------------------------


def huber_fit(x: list[list[float]], y: list[float], iterations: int = 20) -> list[float] | None:
    """Huber regression (k = 1.345 × the MAD scale) by iteratively reweighted least squares."""
    weights = [1.0] * len(y)
    beta = None
    for _ in range(iterations):
        p = len(x[0])
        gram = [
            [sum(w * row[a] * row[b] for row, w in zip(x, weights, strict=True)) for b in range(p)]
            for a in range(p)
        ]
        moment = [
            sum(w * row[a] * v for row, v, w in zip(x, y, weights, strict=True)) for a in range(p)
        ]
        if (beta := solve(gram, moment)) is None:
            return None
        residuals = [
            v - sum(b * f for b, f in zip(beta, row, strict=True))
            for row, v in zip(x, y, strict=True)
        ]
        scale = statistics.median(abs(e) for e in residuals) / 0.6745 or 1e-9
        weights = [min(1.0, 1.345 * scale / abs(e)) if e else 1.0 for e in residuals]
    return beta


def regression(listings: list[Listing], *, year_levels: bool) -> dict[int, float]:
    """Per model, Huber on log price: age (or a level per year), log mileage, repair history.

    Fitted on the priced listings, predicting the active ones; a model with fewer listings than
    its parameters and 5, or a year it has no level for, falls back to the model-year median.
    """
    fallback = model_year_median(listings, leave_out_self=False)
    by_model: dict[str, list[Listing]] = defaultdict(list)
    for car in listings:
        if car.mileage_km is not None:
            by_model[car.model].append(car)
    estimates = {}
    for cars in by_model.values():
        priced = [(car, car.total_price_jpy) for car in cars if car.total_price_jpy]
        years = sorted({car.year for car, _ in priced if car.year is not None})

        def features(car: Listing, years: list[int] = years) -> list[float]:
            assert car.year is not None and car.mileage_km is not None
            head = (
                [float(car.year == y) for y in years[1:]]
                if year_levels
                else [TODAY_YEAR - car.year]
            )
            return [
                1.0,
                *head,
                math.log1p(car.mileage_km / 10_000),
                float(bool(car.repair_history)),
            ]

        beta = None
        if priced and len(priced) >= len(features(priced[0][0])) + 5:
            x = [features(car) for car, _ in priced]
            beta = huber_fit(x, [math.log(price) for _, price in priced])
        for car in cars:
            if not car.active:
                continue
            if beta is not None and (not year_levels or car.year in years):
                estimates[car.id] = math.exp(
                    sum(b * f for b, f in zip(beta, features(car), strict=True))
                )
            elif car.id in fallback:
                estimates[car.id] = fallback[car.id]
    return estimates


# --- scoring -------------------------------------------------------------------------------------


def mdape(pairs: Iterable[tuple[float, int]]) -> float:
    """Median absolute percentage error, in percent, of (estimate, price) pairs."""
    return 100 * statistics.median(abs(estimate - price) / price for estimate, price in pairs)


def ratio_interval(errors: list[tuple[float, float]], seed: int = 18) -> tuple[float, float]:
    """95 % paired bootstrap interval of MdAPE(first) ÷ MdAPE(second) over (error, error) pairs."""
    rng = random.Random(seed)
    ratios = []
    for _ in range(BOOTSTRAP):
        sample = rng.choices(errors, k=len(errors))
        ratios.append(
            statistics.median(a for a, _ in sample) / statistics.median(b for _, b in sample)
        )
    ratios.sort()
    return ratios[int(0.025 * BOOTSTRAP)], ratios[int(0.975 * BOOTSTRAP) - 1]


@dataclass(frozen=True, slots=True)
class Score:
    """One estimator's figures on the scored listings of one run."""

    coverage: float  # share of the scored listings it prices
    mdape: float  # on those it prices
    common: float  # on those every method of the run prices
    ratio: float  # common ÷ the model-and-year median's common
    interval: tuple[float, float] | None  # 95 %, paired bootstrap; none for the baselines


def score(methods: dict[str, dict[int, float]], truth: dict[int, int]) -> dict[str, Score]:
    """Each method's Score over the `truth` listings, against the model-and-year median."""
    common = [i for i in truth if all(i in m for m in methods.values())]
    base = methods[BASELINE]
    scores = {}
    for name, estimates in methods.items():
        own = [(estimates[i], truth[i]) for i in truth if i in estimates]
        errors = [
            (abs(estimates[i] - truth[i]) / truth[i], abs(base[i] - truth[i]) / truth[i])
            for i in common
        ]
        on_common = mdape((estimates[i], truth[i]) for i in common)
        scores[name] = Score(
            coverage=len(own) / len(truth),
            mdape=mdape(own),
            common=on_common,
            ratio=on_common / mdape((base[i], truth[i]) for i in common),
            interval=None if name in BASELINES else ratio_interval(errors),
        )
    return scores


def prices(estimates: dict[int, Estimate]) -> dict[int, float]:
    return {i: e.market_price_jpy for i, e in estimates.items()}


def leave_one_out(
    reals: list[Real], keys: str, settings: Iterable[int]
) -> dict[int, dict[str, Score]]:
    """Per min_comparables setting: the estimator and the baselines, none reading its own price."""
    listings = as_listings(reals, keys)
    truth = {car.id: car.total_price_jpy for car in listings if car.active and car.total_price_jpy}
    baselines = {
        "model median": model_median(listings, leave_out_self=True),
        BASELINE: model_year_median(listings, leave_out_self=True),
    }
    return {
        setting: score(
            {**baselines, "core.market": prices(estimate_all(listings, min_comparables=setting))},
            truth,
        )
        for setting in settings
    }


def split(reals: list[Real], keys: str, settings: Iterable[int]) -> dict[int, dict[str, Score]]:
    """Per min_comparables setting: every method on the fixed 20 %, priced from the 80 % alone."""
    hidden = {real.listing_id for real in reals if in_test(real.listing_id)}
    listings = as_listings(reals, keys, hidden)
    truth = {
        n: real.total_price_jpy
        for n, real in enumerate(reals)
        if real.listing_id in hidden and real.active and real.total_price_jpy
    }

    def test_only(estimates: dict[int, float]) -> dict[int, float]:
        return {i: v for i, v in estimates.items() if i in truth}

    others = {
        "model median": test_only(model_median(listings, leave_out_self=False)),
        BASELINE: test_only(model_year_median(listings, leave_out_self=False)),
        "Huber: age, log mileage, repair": test_only(regression(listings, year_levels=False)),
        "Huber: year levels, log mileage, repair": test_only(
            regression(listings, year_levels=True)
        ),
    }
    return {
        setting: score(
            {
                **others,
                "core.market": test_only(prices(estimate_all(listings, min_comparables=setting))),
            },
            truth,
        )
        for setting in settings
    }


def log_scores(title: str, scores: dict[str, Score]) -> None:
    logger.info("%s", title)
    logger.info(
        "  %-40s %8s %8s %8s %7s  %s",
        "method",
        "coverage",
        "MdAPE",
        "common",
        "ratio",
        "95 % interval",
    )
    for name, s in scores.items():
        interval = f"{s.interval[0]:.3f}–{s.interval[1]:.3f}" if s.interval else ""
        logger.info(
            "  %-40s %7.1f%% %7.2f%% %7.2f%% %7.3f  %s",
            name,
            100 * s.coverage,
            s.mdape,
            s.common,
            s.ratio,
            interval,
        )


def calibration(reals: list[Real], keys: str, min_comparables: int) -> None:
    """How often a price falls in its p25–p75 band, price ÷ market price, and the deal shares."""
    listings = as_listings(reals, keys)
    estimates = estimate_all(listings, min_comparables=min_comparables)
    scored = [
        (car.total_price_jpy, estimates[car.id])
        for car in listings
        if car.active and car.total_price_jpy and car.id in estimates
    ]
    inside = sum(e.p25_jpy <= price <= e.p75_jpy for price, e in scored) / len(scored)
    ratios = sorted(price / e.market_price_jpy for price, e in scored)
    quantiles = [ratios[int(q * (len(ratios) - 1))] for q in (0.1, 0.25, 0.5, 0.75, 0.9)]
    deals = [deal(price, e.market_price_jpy) for price, e in scored]
    comparables = [e.comparables for _, e in scored]
    logger.info(
        "Leave-one-out, min_comparables=%d, %d priced listings:", min_comparables, len(scored)
    )
    logger.info(
        "  price inside its p25–p75 band: %.1f%% (50%% if the band were exact)", 100 * inside
    )
    logger.info(
        "  price ÷ market price, p10 / p25 / p50 / p75 / p90: %s",
        " / ".join(f"{q:.3f}" for q in quantiles),
    )
    logger.info(
        "  deals: %s",
        ", ".join(f"{name} {100 * deals.count(name) / len(deals):.1f}%" for name in DEALS),
    )
    logger.info(
        "  comparables per estimate, min / median / max: %d / %d / %d",
        *spread([float(c) for c in comparables]),
    )


# --- speed ---------------------------------------------------------------------------------------


def resample(reals: list[Real], size: int, *, mileage_step: int, seed: int = 18) -> list[Listing]:
    """`size` listings drawn from the file with jittered mileage and price and fresh ids."""
    rng = random.Random(seed)
    base = as_listings(reals, "code")
    listings = []
    for n in range(size):
        car = rng.choice(base)
        km, price = car.mileage_km, car.total_price_jpy
        if km is not None:
            km = round(km * rng.uniform(0.9, 1.1) / mileage_step) * mileage_step
        if price is not None:
            price = round(price * rng.uniform(0.95, 1.05) / 1_000) * 1_000
        listings.append(replace(car, id=n, mileage_km=km, total_price_jpy=price))
    return listings


def timed(run: Callable[..., object], *args: object, **kwargs: object) -> float:
    """Seconds one call of `run(*args, **kwargs)` takes."""
    started = time.perf_counter()
    run(*args, **kwargs)
    return time.perf_counter() - started


def speed(reals: list[Real], sizes: list[int], rounds: int, budget: float) -> None:
    """Time estimate_all and the model-and-year median baseline, interleaved, per size."""
    for size in sizes:
        for step, label in ((1_000, "mileage to 1,000 km"), (1, "mileage to the km")):
            listings = resample(reals, size, mileage_step=step)
            cells = len({(c.model, c.year, c.mileage_km, c.repair_history) for c in listings})
            base_times, times = [], []
            for _ in range(rounds):
                base_times.append(timed(model_year_median, listings, leave_out_self=False))
                times.append(timed(estimate_all, listings, min_comparables=DEFAULT_MIN))
            ratios = [t / b for t, b in zip(times, base_times, strict=True)]
            logger.info(
                "%d listings, %s (%d cells), %d rounds, min / median / max:",
                size,
                label,
                cells,
                rounds,
            )
            logger.info(
                "  estimate_all            %6.2f / %6.2f / %6.2f s  (budget %.0f s: %.2f×"
                " at the max)",
                *spread(times),
                budget,
                max(times) / budget,
            )
            logger.info("  model-and-year median   %6.2f / %6.2f / %6.2f s", *spread(base_times))
            logger.info("  estimate_all ÷ baseline %6.2f / %6.2f / %6.2f ×", *spread(ratios))


def main() -> None:
    """Accuracy on the real file, then speed on resampled sets."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA, help="carsensor listings.jsonl")
    parser.add_argument(
        "--keys",
        choices=("code", "model", "both"),
        default="both",
        help="model key: carsensor's model code, core.vocab's English model",
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[50_000, 500_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds, at the largest size")
    args = parser.parse_args()
    if not args.data.exists():
        logger.info("market_bench skipped: %s is not present", args.data)
        return
    reals = load(args.data)
    active = [r for r in reals if r.active and r.total_price_jpy]
    logger.info(
        "%s: %d listings, %d active with a total price, %d models (codes)",
        args.data,
        len(reals),
        len(active),
        len({r.code for r in reals}),
    )
    for keys in ("code", "model") if args.keys == "both" else (args.keys,):
        for setting, scores in leave_one_out(reals, keys, SETTINGS).items():
            log_scores(f"Leave-one-out, keys={keys}, min_comparables={setting}:", scores)
        for setting, scores in split(reals, keys, SETTINGS).items():
            log_scores(f"80/20 split, keys={keys}, min_comparables={setting}:", scores)
    calibration(reals, "code", DEFAULT_MIN)
    speed(reals, args.sizes, args.rounds, args.budget)


if __name__ == "__main__":
    main()
