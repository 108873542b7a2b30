"""core.market: the deal bands, no estimate without enough comparables, monotonic ratings, and
accuracy on the real carsensor file in ../shared (skipped where it is absent)."""

import math
import random
import statistics
from datetime import UTC, datetime, timedelta
from itertools import accumulate

import pytest

from bench.market_bench import DATA, as_listings, in_test, load, mdape, model_year_median
from core import market
from core.market import DEALS, Estimate, Listing, days_on_market, deal, estimate_all

MODEL = "TO_S009"


def car(
    car_id: int,
    price: int | None,
    *,
    year: int | None = 2018,
    km: int | None = 50_000,
    repair: bool | None = False,
    model: str = MODEL,
    active: bool = True,
) -> Listing:
    return Listing(car_id, model, year, km, repair, price, active)


def fleet(seed: int, size: int = 400) -> list[Listing]:
    """Random listings of three models, with many twins (same cell) and some without a price."""
    rng = random.Random(seed)
    cars = []
    for n in range(size):
        year = rng.randint(2010, 2024)
        km = rng.choice((10, 5_000, 30_000, 60_000, rng.randrange(0, 150_000, 1_000)))
        price = round(
            4_000_000 * 0.9 ** (2024 - year) * (1.4 - km / 300_000) * rng.uniform(0.8, 1.2)
        )
        cars.append(
            Listing(
                id=n,
                model=rng.choice(("A", "B", "C")),
                year=year,
                mileage_km=km,
                repair_history=rng.choice((False, False, False, True, None)),
                total_price_jpy=None if rng.random() < 0.05 else price,
                active=rng.random() < 0.9,
            )
        )
    return cars


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (1, "great"),
        (850_000, "great"),
        (850_001, "good"),
        (950_000, "good"),
        (950_001, "fair"),
        (1_000_000, "fair"),
        (1_050_000, "fair"),
        (1_050_001, "high"),
        (1_150_000, "high"),
        (1_150_001, "overpriced"),
        (9_000_000, "overpriced"),
    ],
)
def test_deal_bands_include_their_upper_edge(price: int, expected: str) -> None:
    assert deal(price, 1_000_000) == expected


def test_no_deal_without_a_price_or_a_market_price() -> None:
    assert deal(None, 1_000_000) is None
    assert deal(1_000_000, None) is None
    assert DEALS == ("great", "good", "fair", "high", "overpriced")


def test_days_on_market_run_to_now_or_to_when_the_car_was_last_seen() -> None:
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    now = start + timedelta(days=5, hours=23)
    assert days_on_market(start, None, now=now) == 5
    assert days_on_market(start, start + timedelta(days=2), now=now) == 2
    assert days_on_market(now + timedelta(hours=1), None, now=now) == 0  # clocks a little apart


def test_no_estimate_below_the_minimum_comparables() -> None:
    comparables = [car(n, 1_000_000 + n * 10_000, km=10_000 * n) for n in range(1, 7)]
    target = car(100, 2_000_000, km=35_000)
    cars = [*comparables, target]
    estimate = estimate_all(cars, min_comparables=6)[target.id]
    assert estimate.comparables == 6
    assert target.id not in estimate_all(cars, min_comparables=7)


def test_listings_out_of_reach_are_no_comparables() -> None:
    # More than MAX_DISTANCE model years apart, another model, or without a year or a mileage.
    far = [car(n, 1_000_000, year=2018 - 4) for n in range(20)]
    other_model = [car(100 + n, 1_000_000, model="HO_S083") for n in range(20)]
    unknown = [car(200 + n, 1_000_000, year=None) for n in range(10)]
    unknown += [car(300 + n, 1_000_000, km=None) for n in range(10)]
    target = car(999, 1_000_000)
    estimates = estimate_all([*far, *other_model, *unknown, target], min_comparables=1)
    assert target.id not in estimates
    assert 200 not in estimates and 300 not in estimates  # nor are they estimated


def test_the_estimate_ignores_the_listings_own_price_and_its_twins() -> None:
    others = [car(n, 1_000_000 + 20_000 * n, km=20_000 + 3_000 * n) for n in range(20)]
    twin = car(50, 3_000_000)
    estimates = [
        estimate_all([*others, twin, car(99, price)], min_comparables=5)[99]
        for price in (1, 1_000_000, 50_000_000, None)
    ]
    assert len(set(estimates)) == 1
    without_twin = estimate_all([*others, car(99, 1)], min_comparables=5)[99]
    assert without_twin == estimates[0]


def test_a_listing_without_a_price_is_estimated_and_prices_no_one() -> None:
    cars = [car(n, 1_000_000 + 10_000 * n, km=10_000 + 2_000 * n) for n in range(20)]
    unpriced = car(99, None, km=31_000)
    before = estimate_all(cars, min_comparables=5)
    after = estimate_all([*cars, unpriced], min_comparables=5)
    assert isinstance(after[99], Estimate)
    assert {i: e for i, e in after.items() if i != 99} == before


def test_recently_gone_listings_are_comparables_only() -> None:
    gone = [car(n, 2_000_000, active=False) for n in range(10)]
    target = car(99, 1_000_000, km=60_000)
    estimates = estimate_all([*gone, target], min_comparables=5)
    assert set(estimates) == {99}
    assert estimates[99] == Estimate(2_000_000, 2_000_000, 2_000_000, 10)


def test_the_market_price_is_the_weighted_median_of_the_nearest() -> None:
    # 15 near cars at 1.0–1.4 M, and cheap ones a year away: only the 15 nearest count.
    near = [car(n, 1_000_000 + 100_000 * (n % 5), km=40_000 + 1_000 * n) for n in range(15)]
    farther = [car(100 + n, 500_000, year=2017, km=47_500) for n in range(30)]
    estimate = estimate_all([*near, *farther, car(99, None, km=47_500)], min_comparables=5)[99]
    assert estimate.comparables == 15
    assert estimate.market_price_jpy == 1_200_000
    assert estimate.p25_jpy == 1_100_000 and estimate.p75_jpy == 1_300_000


def priced_by_law(year_slope: float, mileage_slope: float, repair_slope: float) -> list[Listing]:
    """Two models at different levels, each price exactly level × exp(the slopes × the car)."""
    cars = []
    for n, (model, level) in enumerate(
        (model, level) for model, level in (("A", 2_000_000), ("B", 3_500_000)) for _ in range(40)
    ):
        year, km, repair = 2012 + n % 9, 1_000 * ((n * 37) % 140), n % 7 == 0
        log_price = (
            year_slope * (year - 2012)
            + mileage_slope * math.log1p(km / market.MILEAGE_UNIT_KM)
            + repair_slope * repair
        )
        cars.append(car(n, round(level * math.exp(log_price)), year=year, km=km, repair=repair,
                        model=model))  # fmt: skip
    return cars


def test_the_slopes_are_how_price_moves_within_a_model() -> None:
    slopes = market.SlopeFit(priced_by_law(0.08, -0.2, -0.25)).slopes
    assert slopes.year == pytest.approx(0.08, abs=1e-4)
    assert slopes.log_mileage == pytest.approx(-0.2, abs=1e-4)
    assert slopes.repair == pytest.approx(-0.25, abs=1e-4)


def test_slopes_past_their_limits_are_clamped_and_a_constant_has_none() -> None:
    # Dearer with mileage and 60 % a year: no such market; clamped to none and to 0.3.
    slopes = market.SlopeFit(priced_by_law(0.6, 0.3, -0.1)).slopes
    assert (slopes.year, slopes.log_mileage) == (0.3, 0.0)
    assert slopes.repair == pytest.approx(-0.1, abs=0.05)
    # One mileage and no repaired car: the year is still fitted.
    same = [car(n, round(1_000_000 * 1.1 ** (n % 5)), year=2015 + n % 5) for n in range(20)]
    assert market.SlopeFit(same).slopes == market.Slopes(year=pytest.approx(math.log(1.1)))  # type: ignore[arg-type]


def test_comparables_are_moved_to_the_listings_year_mileage_and_repair() -> None:
    # Only older cars as comparables of a 2020 one: a median of theirs would be too cheap. The
    # slopes come from another model's market, priced by the same law.
    market_b = [c for c in priced_by_law(0.1, -0.15, -0.2) if c.model == "B"]
    law = 2_000_000 * math.exp(0.1 * (2020 - 2012) - 0.15 * math.log1p(3))
    older = [
        car(100 + n, round(law * math.exp(-0.1 * (3 - n % 3))), year=2017 + n % 3, km=30_000,
            model="A")
        for n in range(6)
    ]  # fmt: skip
    target = car(99, None, year=2020, km=30_000, repair=False, model="A")
    estimate = estimate_all([*market_b, *older, target], min_comparables=5)[99]
    assert estimate.market_price_jpy == round(law / 1_000) * 1_000
    assert estimate.p25_jpy == estimate.p75_jpy == estimate.market_price_jpy


def test_ties_at_the_last_distance_are_all_comparables() -> None:
    same_place = [car(n, 1_000_000 + n, km=60_000) for n in range(market.NEIGHBOURS + 5)]
    estimate = estimate_all([*same_place, car(99, None)], min_comparables=5)[99]
    assert estimate.comparables == market.NEIGHBOURS + 5


def test_an_unknown_repair_history_compares_with_both() -> None:
    repaired = [car(n, 800_000, repair=True) for n in range(5)]
    clean = [car(10 + n, 1_200_000, repair=False) for n in range(5)]
    unknown = car(99, None, repair=None, km=45_000)
    assert estimate_all([*repaired, *clean, unknown], min_comparables=10)[99].comparables == 10
    # Known and different: a repaired car's clean comparables count as a year farther.
    estimate = estimate_all(
        [*repaired, *clean, car(98, None, km=45_000, repair=True)], min_comparables=5
    )
    assert estimate[98].market_price_jpy == 800_000


@pytest.mark.parametrize("seed", range(5))
def test_twins_get_one_estimate_and_a_cheaper_car_never_a_worse_deal(seed: int) -> None:
    cars = fleet(seed)
    estimates = estimate_all(cars, min_comparables=3)
    cells: dict[tuple[object, ...], list[Listing]] = {}
    for c in cars:
        if c.id in estimates:
            cells.setdefault((c.model, c.year, c.mileage_km, c.repair_history), []).append(c)
    pairs = 0
    for twins in cells.values():
        assert len({estimates[c.id] for c in twins}) == 1
        market_price = estimates[twins[0].id].market_price_jpy
        priced = sorted(c.total_price_jpy for c in twins if c.total_price_jpy)
        ranks = [DEALS.index(deal(p, market_price) or "") for p in priced]
        assert ranks == sorted(ranks)
        pairs += len(priced) - 1 if priced else 0
    assert pairs > 20  # the fleet has twins to compare


def test_a_cheaper_price_never_rates_worse_for_one_market_price() -> None:
    ranks = [DEALS.index(deal(price, 1_234_567) or "") for price in range(1, 3_000_000, 997)]
    assert ranks == sorted(ranks)
    assert set(ranks) == set(range(len(DEALS)))


def test_estimates_do_not_depend_on_the_order_of_the_listings() -> None:
    cars = fleet(7)
    first = estimate_all(cars, min_comparables=5)
    shuffled = cars.copy()
    random.Random(1).shuffle(shuffled)
    assert estimate_all(shuffled, min_comparables=5) == first
    assert estimate_all(cars, min_comparables=5) == first


def brute_force(cars: list[Listing], target: Listing, min_comparables: int) -> Estimate | None:
    """The estimate by its definition: every distance computed, sorted, the nearest taken, their
    prices moved to the target by the slopes fitted over the other models' cars."""
    assert target.year is not None and target.mileage_km is not None
    slopes = market.SlopeFit([c for c in cars if c.model != target.model]).slopes
    cell = (target.model, target.year, target.mileage_km, target.repair_history)
    here = math.log1p(target.mileage_km / market.MILEAGE_UNIT_KM) / market.LOG_MILEAGE_PER_YEAR
    found = []
    for other in cars:
        if other.year is None or other.mileage_km is None or not other.total_price_jpy:
            continue
        if other.model != target.model or cell == (
            other.model,
            other.year,
            other.mileage_km,
            other.repair_history,
        ):
            continue
        known = other.repair_history is not None and target.repair_history is not None
        repair = known and other.repair_history != target.repair_history
        there = math.log1p(other.mileage_km / market.MILEAGE_UNIT_KM) / market.LOG_MILEAGE_PER_YEAR
        # Summed in the same order as core.market, so equal distances come out equal.
        distance = (abs(other.year - target.year) + market.REPAIR_DISTANCE * repair) + abs(
            here - there
        )
        step = float(target.repair_history) - float(other.repair_history) if known else 0.0  # type: ignore[arg-type]
        shift = -slopes.year * (other.year - target.year) + slopes.repair * step
        moved = other.total_price_jpy * math.exp(
            shift + slopes.log_mileage * market.LOG_MILEAGE_PER_YEAR * (here - there)
        )
        if distance <= market.MAX_DISTANCE:
            found.append((distance, moved))
    found.sort()
    want = max(market.NEIGHBOURS, min_comparables)
    if len(found) > want:
        found = [f for f in found if f[0] <= found[want - 1][0]]
    if len(found) < min_comparables:
        return None
    weighted = sorted((price, 1 / (1 + d)) for d, price in found)
    cumulative = list(accumulate(w for _, w in weighted))

    def quantile(q: float) -> int:
        price = next(
            p for (p, _), c in zip(weighted, cumulative, strict=True) if c >= q * cumulative[-1]
        )
        return round(price / 1_000) * 1_000

    return Estimate(quantile(0.5), quantile(0.25), quantile(0.75), len(found))


@pytest.mark.parametrize(
    ("seed", "size", "min_comparables"), [(0, 300, 4), (1, 300, 4), (2, 300, 1), (3, 1_000, 20)]
)
def test_the_search_finds_what_computing_every_distance_finds(
    seed: int, size: int, min_comparables: int
) -> None:
    cars = fleet(seed, size)
    estimates = estimate_all(cars, min_comparables=min_comparables)
    assert len(estimates) > 100
    for target in cars:
        if target.active and target.year is not None and target.mileage_km is not None:
            expected = brute_force(cars, target, min_comparables)
            assert estimates.get(target.id) == expected, target


def test_beats_the_model_and_year_median_by_a_fifth_on_a_fixed_split_of_real_prices() -> None:
    """The fixed 20 % of the real listings priced from the other 80 % (bench.market_bench)."""
    if not DATA.exists():
        pytest.skip(f"{DATA} is not present")
    reals = load(DATA)
    hidden = {real.listing_id for real in reals if in_test(real.listing_id)}
    listings = as_listings(reals, "code", hidden)
    truth = {n: real.total_price_jpy for n, real in enumerate(reals)
             if real.listing_id in hidden and real.active and real.total_price_jpy}  # fmt: skip
    estimates = estimate_all(listings, min_comparables=5)
    baseline = model_year_median(listings, leave_out_self=False)
    common = [i for i in truth if i in estimates and i in baseline]
    ours = mdape((estimates[i].market_price_jpy, truth[i]) for i in common)
    theirs = mdape((baseline[i], truth[i]) for i in common)
    # Measured 7.80 % against 9.94 %: 0.785.
    assert len(common) / len(truth) >= 0.95 and ours / theirs <= 0.80


def test_beats_the_model_and_year_median_on_real_prices() -> None:
    """Leave-one-out on the 4,542 real listings in ../shared (python -m bench.market_bench)."""
    if not DATA.exists():
        pytest.skip(f"{DATA} is not present")
    listings = as_listings(load(DATA), "code")
    truth = {c.id: c.total_price_jpy for c in listings if c.active and c.total_price_jpy}
    estimates = estimate_all(listings, min_comparables=5)
    baseline = model_year_median(listings, leave_out_self=True)
    common = [i for i in truth if i in estimates and i in baseline]
    ours = mdape((estimates[i].market_price_jpy, truth[i]) for i in common)
    theirs = mdape((baseline[i], truth[i]) for i in common)
    assert len(estimates) / len(truth) >= 0.95
    # Measured 8.14 % against 10.10 %: 0.806 (docs/benchmarks.md); issue 18 asks for 0.80 on
    # this or on a fixed 80/20 split, below.
    assert ours / theirs <= 0.81
    assert statistics.median(e.comparables for e in estimates.values()) >= 10
