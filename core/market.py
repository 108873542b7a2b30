"""Market value and deal rating: the weighted median price of a listing's nearest comparables.

A listing's comparables are the priced listings, active or recently gone, of the same model
within `MAX_DISTANCE`, where one model year apart, `LOG_MILEAGE_PER_YEAR` of log(1 + km / 10,000)
apart and a different repair history (when both are known) each count 1. Each comparable's price
is first moved to the listing's year, mileage and repair history by `Slopes`: how log price
moves with them within a model, fitted over the other models' listings (`SlopeFit`). Its market
price is the median of the `NEIGHBOURS` nearest (and any as near as the last), each weighted
1 / (1 + its distance); p25 and p75 are the weighted quartiles of the same prices. Fewer than
`min_comparables` within reach: no estimate.

A listing is never priced by itself, nor by its twins: the listings of its own cell (same model,
year, mileage and repair history), which are often the same car listed twice. So the estimate is
a function of the cell alone, and of other cells' prices: twins get the same estimate, and of two
twins the cheaper one never gets the worse deal. `python -m bench.market_bench` measures it on
real carsensor prices, against the model's and the model-and-year's median price.
"""

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from operator import mul

NEIGHBOURS = 15
# One model year weighs as much as 0.3 of log(1 + km / 10,000): ~6,000 km for a car with
# 10,000 km, ~20,000 km at 50,000 km, ~33,000 km at 100,000 km.
LOG_MILEAGE_PER_YEAR = 0.3
MILEAGE_UNIT_KM = 10_000
REPAIR_DISTANCE = 1.0
MAX_DISTANCE = 3.0
PRICE_STEP_JPY = 1_000

# Deal bands, price ÷ market price in percent, upper edges included; above the last: overpriced.
DEAL_BANDS: tuple[tuple[str, int], ...] = (
    ("great", 85),
    ("good", 95),
    ("fair", 105),
    ("high", 115),
)
DEALS: tuple[str, ...] = (*(name for name, _ in DEAL_BANDS), "overpriced")


@dataclass(frozen=True, slots=True)
class Listing:
    """What the estimator reads of a car: a comparable when priced, estimated when active."""

    id: int
    model: str  # any key naming one model: listings compare only with the same key
    year: int | None
    mileage_km: int | None
    repair_history: bool | None
    total_price_jpy: int | None
    active: bool = True  # False: recently gone, a comparable only


@dataclass(frozen=True, slots=True)
class Estimate:
    """A market price with the interquartile band of its comparables' prices."""

    market_price_jpy: int
    p25_jpy: int
    p75_jpy: int
    comparables: int


@dataclass(frozen=True, slots=True)
class Slopes:
    """How log price moves within a model: per model year newer, per unit of
    log(1 + km / 10,000), and with a repair history."""

    year: float = 0.0
    log_mileage: float = 0.0
    repair: float = 0.0


# A fit outside these (a market too small or too odd to tell) is clamped to them.
SLOPE_LIMITS = Slopes(year=0.3, log_mileage=-0.6, repair=-0.6)


def solve(matrix: list[list[float]], vector: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting; None when singular."""
    size = len(vector)
    rows = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-12:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[r][size] / rows[r][r] for r in range(size)]


_Cell = tuple[str, int, int, bool | None]  # model, year, mileage, repair history
# A cell's priced listings for the slopes: how many, year, log(1 + km / 10,000), repair (0/1),
# and the sum of their log prices and of its squares.
_CellSums = tuple[int, float, float, float, float, float]


def _centred(cells: list[_CellSums]) -> list[list[float]]:
    """Σ (z − mean)(z − mean)ᵀ over one model's listings, z = (year, log mileage, repair, log
    price), summed cell by cell: a cell's listings share its year, mileage and repair."""
    counts, years, mileages, repairs, prices, squares = (list(c) for c in zip(*cells, strict=True))
    xs = (years, mileages, repairs)
    weighted = [list(map(mul, counts, x)) for x in xs]
    totals = [*(sum(w) for w in weighted), sum(prices)]
    products = [[0.0] * 4 for _ in range(4)]
    for i in range(3):
        for j in range(i, 3):
            products[i][j] = products[j][i] = sum(map(mul, weighted[i], xs[j]))
        products[i][3] = products[3][i] = sum(map(mul, xs[i], prices))
    products[3][3] = sum(squares)
    n = sum(counts)
    return [[products[i][j] - totals[i] * totals[j] / n for j in range(4)] for i in range(4)]


def _solve_slopes(centred: list[list[float]]) -> Slopes:
    """Least squares of log price on the three, from centred sums; clamped to SLOPE_LIMITS."""
    # A quantity that never varies within a model (no repaired car, one mileage) has no slope.
    varying = [i for i in range(3) if centred[i][i] > 1e-9]
    fitted = solve([[centred[i][j] for j in varying] for i in varying],
                   [centred[i][3] for i in varying])  # fmt: skip
    slopes = [0.0] * 3
    for i, value in zip(varying, fitted or [0.0] * len(varying), strict=True):
        slopes[i] = value
    limits = (SLOPE_LIMITS.year, SLOPE_LIMITS.log_mileage, SLOPE_LIMITS.repair)
    return Slopes(
        *(
            min(max(value, min(0.0, limit)), max(0.0, limit))
            for value, limit in zip(slopes, limits, strict=True)
        )
    )


class SlopeFit:
    """Least squares of log total price on model year, log(1 + km / 10,000) and repair history,
    with a level per model, over the priced listings with all three known (`slopes`).

    A model's listings are priced with `slopes_for(model)`, fitted over the other models: so
    no listing's own price (nor its twins') moves the prices it is estimated from.
    """

    def __init__(self, listings: Iterable[Listing]) -> None:
        log_prices: dict[_Cell, list[float]] = defaultdict(list)
        for car in listings:
            price, year, km, repair = (
                car.total_price_jpy, car.year, car.mileage_km, car.repair_history,
            )  # fmt: skip
            if price and price > 0 and year is not None and km is not None and repair is not None:
                log_prices[(car.model, year, km, repair)].append(math.log(price))
        models: dict[str, list[_CellSums]] = defaultdict(list)
        for (model, year, km, repair), prices in log_prices.items():
            mileage = math.log1p(km / MILEAGE_UNIT_KM)
            squares = sum(y * y for y in prices)
            models[model].append(
                (len(prices), year, mileage, float(bool(repair)), sum(prices), squares)
            )
        self._centred = {model: _centred(cells) for model, cells in models.items()}
        self._total = [
            [sum(c[i][j] for c in self._centred.values()) for j in range(4)] for i in range(4)
        ]
        self.slopes = _solve_slopes(self._total)
        self._of_model: dict[str, Slopes] = {}

    def slopes_for(self, model: str) -> Slopes:
        """The slopes fitted over the listings of every model but `model`."""
        if model not in self._of_model:
            own = self._centred.get(model)
            self._of_model[model] = (
                self.slopes
                if own is None
                else _solve_slopes(
                    [[self._total[i][j] - own[i][j] for j in range(4)] for i in range(4)]
                )
            )
        return self._of_model[model]


# A comparable group: the priced listings of one model, year and repair history, by mileage.
_Group = tuple[list[int], list[float], list[int], list[int]]  # mileages, logs, prices, ids


def _log_mileage(km: int) -> float:
    return math.log1p(km / MILEAGE_UNIT_KM) / LOG_MILEAGE_PER_YEAR


def _repair_step(to: bool | None, of: bool | None) -> float:
    """+1 from a car without a repair history to one with, -1 back; 0 when either is unknown."""
    return 0.0 if to is None or of is None else float(to) - float(of)


def _repair_distance(a: bool | None, b: bool | None) -> float:
    # An unknown history (no detail page read yet) compares with both.
    return REPAIR_DISTANCE if a is not None and b is not None and a != b else 0.0


def _search_order(repair: bool | None) -> list[tuple[float, int, bool | None]]:
    """(distance, year offset, repair) of the groups within reach, nearest first."""
    order = [
        (abs(dy) + _repair_distance(repair, other), dy, other)
        for dy in range(-int(MAX_DISTANCE), int(MAX_DISTANCE) + 1)
        for other in (False, True, None)
    ]
    return sorted((o for o in order if o[0] <= MAX_DISTANCE), key=lambda o: o[0])


_ORDERS = {repair: _search_order(repair) for repair in (False, True, None)}


def _groups(listings: list[Listing]) -> dict[tuple[str, int, bool | None], _Group]:
    rows: dict[tuple[str, int, bool | None], list[tuple[int, int, int]]] = defaultdict(list)
    for car in listings:
        price = car.total_price_jpy
        if car.year is not None and car.mileage_km is not None and price and price > 0:
            rows[(car.model, car.year, car.repair_history)].append((car.mileage_km, price, car.id))
    groups = {}
    for key, triples in rows.items():
        triples.sort()
        kms = [km for km, _, _ in triples]
        groups[key] = (
            kms,
            [_log_mileage(km) for km in kms],
            [price for _, price, _ in triples],
            [id_ for _, _, id_ in triples],
        )
    return groups


def _nearest(
    groups: dict[tuple[str, int, bool | None], _Group],
    cell: _Cell,
    want: int,
    slopes: Slopes = Slopes(),
) -> list[tuple[float, float, int]]:
    """(distance, price moved to `cell` by `slopes`, id) of the `want` comparables nearest
    `cell`, with ties, outside it."""
    model, year, km, repair = cell
    here = _log_mileage(km)
    # (distance, price, id, the log of the price's move): moved once the nearest are known.
    found: list[tuple[float, int, int, float]] = []
    bound = MAX_DISTANCE
    for offset, dy, other in _ORDERS[repair]:
        if offset > bound:
            break
        group = groups.get((model, year + dy, other))
        if group is None:
            continue
        kms, logs, prices, ids = group
        # log price from this group to the cell, but for the mileage: comparable by comparable.
        shift = -slopes.year * dy + slopes.repair * _repair_step(repair, other)
        per_log = slopes.log_mileage * LOG_MILEAGE_PER_YEAR
        lo = bisect_left(kms, km)
        # The cell itself: its mileage in its own group is skipped.
        hi = bisect_right(kms, km) if dy == 0 and other == repair else lo
        left, right, taken = lo - 1, hi, 0
        # Walk outwards from the mileage, nearest first, while within the bound.
        while True:
            d_left = offset + here - logs[left] if left >= 0 else math.inf
            d_right = offset + logs[right] - here if right < len(kms) else math.inf
            if min(d_left, d_right) > bound:
                break
            if d_left <= d_right:
                move = shift + per_log * (here - logs[left])
                found.append((d_left, prices[left], ids[left], move))
                left -= 1
            else:
                move = shift + per_log * (here - logs[right])
                found.append((d_right, prices[right], ids[right], move))
                right += 1
            taken += 1
            if taken == want:
                # This group alone has `want` this near: nothing farther can be among the nearest.
                bound = found[-1][0]
        if len(found) >= want:
            found.sort()
            bound = found[want - 1][0]
    found.sort()
    if len(found) > want:
        last = found[want - 1][0]
        found = [f for f in found if f[0] <= last]
    return [(distance, price * math.exp(move), id_) for distance, price, id_, move in found]


def _estimate(nearest: list[tuple[float, float, int]], min_comparables: int) -> Estimate | None:
    if len(nearest) < max(1, min_comparables):
        return None
    weighted = sorted((price, 1 / (1 + distance)) for distance, price, _ in nearest)
    cumulative = list(accumulate(weight for _, weight in weighted))

    def quantile(q: float) -> int:
        """The lowest price at which the cumulative weight reaches `q` of the total, to the
        1,000 yen carsensor prices are in."""
        price = weighted[bisect_left(cumulative, q * cumulative[-1])][0]
        return round(price / PRICE_STEP_JPY) * PRICE_STEP_JPY

    return Estimate(quantile(0.5), quantile(0.25), quantile(0.75), len(nearest))


def estimate_all(listings: Iterable[Listing], *, min_comparables: int) -> dict[int, Estimate]:
    """The estimate of every active listing with a year and a mileage and enough comparables.

    Listings without a price are estimated too; they are no one's comparable. Recently gone
    listings (`active=False`) are comparables only.
    """
    cars = list(listings)
    groups = _groups(cars)
    fit = SlopeFit(cars)
    want = max(NEIGHBOURS, min_comparables)
    by_cell: dict[_Cell, Estimate | None] = {}
    estimates = {}
    for car in cars:
        if not car.active or car.year is None or car.mileage_km is None:
            continue
        cell = (car.model, car.year, car.mileage_km, car.repair_history)
        # Twins share one estimate, so it is made once per cell.
        if cell not in by_cell:
            nearest = _nearest(groups, cell, want, fit.slopes_for(car.model))
            by_cell[cell] = _estimate(nearest, min_comparables)
        if (estimate := by_cell[cell]) is not None:
            estimates[car.id] = estimate
    return estimates


def comparables(
    listings: Iterable[Listing], car: Listing, *, min_comparables: int
) -> list[tuple[float, int]]:
    """(distance, id) of the comparables among `listings` that `car`'s estimate is made from,
    nearest first; none when it gets no estimate."""
    if car.year is None or car.mileage_km is None:
        return []
    groups = _groups([listing for listing in listings if listing.model == car.model])
    cell = (car.model, car.year, car.mileage_km, car.repair_history)
    nearest = _nearest(groups, cell, max(NEIGHBOURS, min_comparables))
    if len(nearest) < max(1, min_comparables):
        return []
    return [(distance, id_) for distance, _, id_ in nearest]


def days_on_market(first_seen_at: datetime, gone_at: datetime | None, *, now: datetime) -> int:
    """Whole days a listing has been on sale: to now, or to when it was last seen once gone."""
    return max(0, ((gone_at or now) - first_seen_at).days)


def deal(price_jpy: int | None, market_price_jpy: int | None) -> str | None:
    """The deal band of `price_jpy` against the market price; None without either."""
    if price_jpy is None or not market_price_jpy:
        return None
    for name, percent in DEAL_BANDS:
        # Integers, so a price of exactly 85 % of the market price is great, not good.
        if price_jpy * 100 <= market_price_jpy * percent:
            return name
    return DEALS[-1]
