"""What a user can ask of the car listings, and the SQL that answers it.

`CarFilters` is a pydantic model, so the same class gives FastAPI its query parameters, the
bot its tool schema, and `filter_conditions` the SQLAlchemy WHERE clause (always bound
parameters). `order_by` is the sort (ties broken by id, so pages are stable); core.paging
cuts the sorted result into pages and core.read runs the queries.
"""

from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import ColumnElement, Select, String, Table, func, literal_column, select
from sqlalchemy.sql.elements import KeyedColumnElement

from core.lexicon import canonical_query
from core.market import DEALS
from core.models import (
    CAR_TABLES,
    LISTED_COLUMNS,
    SHOWN_COLUMNS,
    Car,
    CarMarket,
    CarPriceHistory,
)
from core.vocab import BODY_TYPES, COLORS, FUELS, MAKES, TRANSMISSIONS, models_of

if TYPE_CHECKING:
    # mypy cannot read a Literal built from a tuple; at run time these are real Literals.
    Color: TypeAlias = str
    BodyType: TypeAlias = str
    Transmission: TypeAlias = str
    Fuel: TypeAlias = str
    Deal: TypeAlias = str
else:
    Color, BodyType, Transmission, Fuel, Deal = (
        Literal[values] for values in (COLORS, BODY_TYPES, TRANSMISSIONS, FUELS, DEALS)
    )

# deal: price ÷ market price, best deals first; discount: market − price, so -discount is the
# most yen under the market first.
Sort = Literal[
    "price", "-price", "year", "-year", "mileage", "-mileage", "updated", "-updated",
    "deal", "-deal", "discount", "-discount",
]  # fmt: skip

CARS = Car.__table__
# A car's market values, beside it: a car that no recompute took in yet has no row.
MARKET: Table = CarMarket.__table__  # type: ignore[assignment]
OF_CAR = MARKET.c.car_id == CARS.c.id
CARS_AND_MARKET = CARS.outerjoin(MARKET, OF_CAR)
# Same expression as the indexes of migrations 0001 and 0005, so PostgreSQL can use them.
EFFECTIVE_PRICE = func.coalesce(CARS.c.total_price_jpy, CARS.c.price_jpy)
# The same rule for one observation of a car's price: the total, else the body price.
HISTORY = CarPriceHistory.__table__
OBSERVED_PRICE = func.coalesce(HISTORY.c.total_price_jpy, HISTORY.c.price_jpy)
# The sort keys; all but updated_at may be NULL, and NULLs come last in both directions.
SORT_KEYS: dict[str, KeyedColumnElement[Any]] = {
    "price": CARS.c.total_price_jpy,
    "year": CARS.c.year,
    "mileage": CARS.c.mileage_km,
    "updated": CARS.c.updated_at,
    "deal": MARKET.c.deal_ratio,
    "discount": MARKET.c.market_discount_jpy,
}


def _search_text() -> ColumnElement[str]:
    """coalesce(make, '') || ' ' || coalesce(make_ja, '') || ' ' || … || coalesce(grade, '')."""
    columns = (CARS.c.make, CARS.c.make_ja, CARS.c.model, CARS.c.model_ja, CARS.c.grade)
    text: ColumnElement[str] = func.coalesce(columns[0], literal_column("''", String))
    for column in columns[1:]:
        text = text + literal_column("' '", String) + func.coalesce(column, literal_column("''"))
    return text


SEARCH_TEXT = _search_text()
_MAKES = {make.en.lower(): make.en for make in MAKES}
_MODELS = {model.lower(): model for make in MAKES for model in models_of(make.en)}
_LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
# Filters that compare one column with the value as given.
_EQUAL = ("color", "body_type", "transmission", "fuel", "prefecture", "repair_history", "drive")


class CarFilters(BaseModel):
    """What a user can ask of the car listings; every field is optional."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    make: str | None = Field(None, max_length=64, description="Canonical make, e.g. Toyota")
    model: str | None = Field(None, max_length=128, description="Canonical model, e.g. Prius")
    q: str | None = Field(
        None,
        max_length=100,
        description="Free text over make, model and grade; make and model aliases in Russian, "
        "English or Japanese (приус, ランクル) read as the canonical names",
    )
    year_min: int | None = Field(None, ge=1900, le=2100)
    year_max: int | None = Field(None, ge=1900, le=2100)
    price_min: int | None = Field(None, ge=0, le=10**10, description="Yen, total price")
    price_max: int | None = Field(None, ge=0, le=10**10, description="Yen, total price")
    mileage_max: int | None = Field(None, ge=0, le=10**7, description="Kilometres")
    color: Color | None = None
    body_type: BodyType | None = None
    transmission: Transmission | None = None
    fuel: Fuel | None = None
    prefecture: str | None = Field(None, max_length=16, description="e.g. 東京都")
    repair_history: bool | None = None
    drive: str | None = Field(None, max_length=16, description="Drive as listed, e.g. 4WD")
    deal: tuple[Deal, ...] | None = Field(
        None,
        max_length=len(DEALS),
        description="Deal ratings against the market price, any of them; deal=great,good",
    )
    is_active: bool = True
    sort: Sort = "-updated"

    @field_validator("color", "body_type", "transmission", "fuel", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("deal", mode="before")
    @classmethod
    def _split_deals(cls, value: object) -> object:
        # `deal=great,good` and `deal=great&deal=good` alike; none named is no filter.
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            names = [n.strip().lower() for v in value for n in str(v).split(",") if n.strip()]
            return tuple(dict.fromkeys(names)) or None
        return value

    @field_validator("make", "model", "q", "prefecture", "drive")
    @classmethod
    def _clean_text(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        # `?make=` from an HTML form means "any", not "make is the empty string".
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        for low, high in (("year_min", "year_max"), ("price_min", "price_max")):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                raise ValueError(f"{low} must not be greater than {high}")
        return self


def _canonical(column: ColumnElement[Any], value: str, names: dict[str, str]) -> Any:
    # The canonical spelling hits the (make, …) indexes; lower() is the fallback.
    canonical = names.get(value.lower())
    return column == canonical if canonical else func.lower(column) == value.lower()


def search_terms(q: str | None) -> list[str]:
    """The words of a free-text search, aliases read as canonical names, each once, at most 8."""
    terms: dict[str, str] = {}
    for term in canonical_query(q or "").split():
        terms.setdefault(term.casefold(), term)
    return list(terms.values())[:8]


def filter_conditions(filters: CarFilters) -> list[ColumnElement[bool]]:
    """The WHERE conditions for `filters`, as SQLAlchemy expressions with bound values."""
    conditions = [CARS.c.is_active == filters.is_active]
    if filters.make is not None:
        conditions.append(_canonical(CARS.c.make, filters.make, _MAKES))
    if filters.model is not None:
        conditions.append(_canonical(CARS.c.model, filters.model, _MODELS))
    for term in search_terms(filters.q):
        pattern = f"%{term.translate(_LIKE_ESCAPES)}%"
        conditions.append(SEARCH_TEXT.ilike(pattern, escape="\\"))
    for key, low, high in (
        (CARS.c.year, filters.year_min, filters.year_max),
        (EFFECTIVE_PRICE, filters.price_min, filters.price_max),
        (CARS.c.mileage_km, None, filters.mileage_max),
    ):
        if low is not None:
            conditions.append(key >= low)
        if high is not None:
            conditions.append(key <= high)
    for name in _EQUAL:
        value = getattr(filters, name)
        if value is not None:
            conditions.append(CARS.c[name] == value)
    if filters.deal is not None:
        conditions.append(MARKET.c.deal.in_(filters.deal))
    return conditions


def _by_market(sort: str) -> bool:
    return SORT_KEYS[sort.lstrip("-")].table is MARKET


def reads_market(filters: CarFilters) -> bool:
    """Whether the answer to `filters` depends on the market values: by deal or discount."""
    return filters.deal is not None or _by_market(filters.sort)


def sort_id(sort: str) -> KeyedColumnElement[Any]:
    """The id that breaks ties of `sort`: car_market's for a sort by a market value, so that
    its index on (key, car_id) serves the order."""
    return MARKET.c.car_id if _by_market(sort) else CARS.c.id


def order_by(sort: str) -> list[ColumnElement[Any]]:
    """ORDER BY for `sort`: the key (NULLs last either way), then id the same way."""
    key = SORT_KEYS[sort.lstrip("-")]
    descending = sort.startswith("-")
    column = key.desc() if descending else key.asc()
    # NULLs last in both directions, on both databases (their defaults differ); a key that is
    # never NULL says nothing of them, so that its index serves the order.
    if getattr(key, "nullable", True):
        column = column.nulls_last()
    tie = sort_id(sort)
    return [column, tie.desc() if descending else tie.asc()]


def _car_select(names: tuple[str, ...], from_: Any) -> Select[Any]:
    columns = {c.name: c for table in CAR_TABLES for c in table.c}
    return select(*(columns[name] for name in names)).select_from(from_)


# Built once: coercing the 34 columns costs more than the rest of a page's query.
LISTED = _car_select(LISTED_COLUMNS, CARS_AND_MARKET)
# A sort by a market value lists the cars a recompute took in: the planner cannot walk
# car_market's index in order through the outer join.
LISTED_VALUED = _car_select(LISTED_COLUMNS, CARS.join(MARKET, OF_CAR))
SHOWN = _car_select(SHOWN_COLUMNS, CARS_AND_MARKET)


def cars_query(filters: CarFilters) -> Select[Any]:
    """The cars matching `filters` (the listed columns), in their sort order."""
    listed = LISTED_VALUED if _by_market(filters.sort) else LISTED
    return listed.where(*filter_conditions(filters)).order_by(*order_by(filters.sort))
