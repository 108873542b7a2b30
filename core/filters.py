"""The one definition of how cars are filtered, sorted and paged: API query, bot tool and SQL.

`CarFilters` is a pydantic model, so the same class gives FastAPI its query parameters, the
bot its tool schema, and `filter_conditions` the SQLAlchemy WHERE clause (always bound
parameters). Pages come by offset (`page`, `page_size`) or, for deep browsing, by an opaque
keyset `cursor` that continues after the last row of the previous page in O(page_size).
"""

import base64
import binascii
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.orm import QueryableAttribute, Session

from core.models import Car
from core.vocab import BODY_TYPES, COLORS, FUELS, MAKES, TRANSMISSIONS, models_of

if TYPE_CHECKING:
    # mypy cannot read a Literal built from a tuple; at run time these are real Literals.
    Color: TypeAlias = str
    BodyType: TypeAlias = str
    Transmission: TypeAlias = str
    Fuel: TypeAlias = str
else:
    Color, BodyType, Transmission, Fuel = (
        Literal[values] for values in (COLORS, BODY_TYPES, TRANSMISSIONS, FUELS)
    )

Sort = Literal["price", "-price", "year", "-year", "mileage", "-mileage", "updated", "-updated"]

# The columns of a car in a list, an export or a bot answer (no photos: they are big).
ITEM_COLUMNS = (
    "id", "source", "external_id", "url", "make", "make_ja", "model", "model_ja", "grade",
    "year", "mileage_km", "price_jpy", "total_price_jpy", "color", "color_ja", "body_type",
    "body_type_ja", "transmission", "transmission_ja", "fuel", "fuel_ja", "engine_cc", "drive",
    "repair_history", "inspection", "prefecture", "city", "shop_name", "shop_url", "image_url",
    "is_active", "first_seen_at", "last_seen_at", "updated_at",
)  # fmt: skip

# The table's plain columns, not the ORM attributes: the queries below are built on every
# request, and ORM-annotated columns cost twice as much to combine and to make cache keys of.
CARS = Car.__table__

# Same expressions as the indexes of migrations 0001 and 0002, so PostgreSQL can use them.
EFFECTIVE_PRICE = func.coalesce(CARS.c.total_price_jpy, CARS.c.price_jpy)


def _search_text() -> ColumnElement[str]:
    """coalesce(make, '') || ' ' || coalesce(make_ja, '') || ' ' || … || coalesce(grade, '')."""
    columns = (CARS.c.make, CARS.c.make_ja, CARS.c.model, CARS.c.model_ja, CARS.c.grade)
    text: ColumnElement[str] = func.coalesce(columns[0], literal_column("''", String))
    for column in columns[1:]:
        text = text + literal_column("' '", String) + func.coalesce(column, literal_column("''"))
    return text


SEARCH_TEXT = _search_text()

# Built once: coercing 34 columns costs more than the rest of the query building. Table
# columns here matter most: on a cached statement SQLAlchemy maps the result columns by
# hashing them, and annotated ORM columns collide with their table column there, each
# collision building a `==` expression (a tenth of an API request's CPU time).
_SELECT_ITEMS = select(*(CARS.c[name] for name in ITEM_COLUMNS))
_MAKES = {make.en.lower(): make.en for make in MAKES}
_MODELS = {model.lower(): model for make in MAKES for model in models_of(make.en)}
_LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


class CarFilters(BaseModel):
    """What a user can ask of the car listings; every field is optional."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    make: str | None = Field(None, max_length=64, description="Canonical make, e.g. Toyota")
    model: str | None = Field(None, max_length=128, description="Canonical model, e.g. Prius")
    q: str | None = Field(
        None, max_length=100, description="Free text over make, model and grade (EN or JA)"
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
    is_active: bool = True
    sort: Sort = "-updated"

    @field_validator("color", "body_type", "transmission", "fuel", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("make", "model", "q", "prefecture")
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


class Page(BaseModel):
    """Which page of the results: by number, or after a cursor from the previous page."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(
        None, max_length=200, description="next_cursor of the previous page; overrides page"
    )

    @property
    def offset(self) -> int:
        """How many rows come before this page when it is read by number."""
        return (self.page - 1) * self.page_size

    def deeper_than(self, stride: int) -> bool:
        """Whether this is a page by number past the first `stride` rows (anchors help it)."""
        return self.cursor is None and self.offset >= stride


@dataclass(frozen=True, slots=True)
class _SortKey:
    column: ColumnElement[Any] | QueryableAttribute[Any]
    # The key's value in a result row, as a cursor keeps it.
    read: Callable[[Mapping[str, Any]], Any]
    nullable: bool = True
    is_time: bool = False


def _effective_price(row: Mapping[str, Any]) -> Any:
    return row["price_jpy"] if row["total_price_jpy"] is None else row["total_price_jpy"]


_SORT_KEYS = {
    "price": _SortKey(EFFECTIVE_PRICE, _effective_price),
    "year": _SortKey(CARS.c.year, itemgetter("year")),
    "mileage": _SortKey(CARS.c.mileage_km, itemgetter("mileage_km")),
    "updated": _SortKey(
        CARS.c.updated_at, lambda row: row["updated_at"].isoformat(), nullable=False, is_time=True
    ),
}


class InvalidCursor(ValueError):
    """A cursor that is garbled or was issued for another sort."""


def _search_terms(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", text).split()[:8]


def filter_params(filters: CarFilters) -> dict[str, Any]:
    """The bound values of the WHERE clause for `filters`, by parameter name.

    The names alone decide which conditions the clause has (see `_condition`), so every
    request with the same filters set, whatever their values, shares one statement: built,
    compiled and prepared once, then only executed with new values.
    """
    params: dict[str, Any] = {"is_active": filters.is_active}
    if filters.make is not None:
        # The canonical spelling hits the (make, …) indexes; lower() is the fallback.
        make = _MAKES.get(filters.make.lower())
        params["make" if make else "make_lower"] = make or filters.make.lower()
    if filters.model is not None:
        model = _MODELS.get(filters.model.lower())
        params["model" if model else "model_lower"] = model or filters.model.lower()
    for index, term in enumerate(_search_terms(filters.q or "")):
        params[f"q{index}"] = f"%{term.translate(_LIKE_ESCAPES)}%"
    for name in _PLAIN_FILTERS:
        value = getattr(filters, name)
        if value is not None:
            params[name] = value
    return params


_PLAIN_FILTERS = (
    "year_min", "year_max", "price_min", "price_max", "mileage_max",
    "color", "body_type", "transmission", "fuel", "prefecture", "repair_history",
)  # fmt: skip


_RANGES = {"year": CARS.c.year, "price": EFFECTIVE_PRICE, "mileage": CARS.c.mileage_km}


def _condition(name: str, values: Mapping[str, Any] | None = None) -> ColumnElement[bool]:
    """The WHERE condition behind the parameter `name`: unbound, or bound from `values`."""

    def parameter(type_: Any) -> BindParameter[Any]:
        if values is None:
            return bindparam(name, type_=type_)
        return bindparam(name, values[name], type_=type_)

    if name[0] == "q" and name[1:].isdigit():
        return SEARCH_TEXT.ilike(parameter(String()), escape="\\")
    if name in ("make_lower", "model_lower"):
        column = CARS.c[name.removesuffix("_lower")]
        return func.lower(column) == parameter(column.type)
    if name.endswith(("_min", "_max")):
        key = _RANGES[name.split("_")[0]]
        return key >= parameter(key.type) if name.endswith("_min") else key <= parameter(key.type)
    column = CARS.c[name]
    return column == parameter(column.type)


@lru_cache(maxsize=512)
def _conditions(names: tuple[str, ...]) -> tuple[ColumnElement[bool], ...]:
    return tuple(_condition(name) for name in names)


def filter_conditions(filters: CarFilters) -> list[ColumnElement[bool]]:
    """The WHERE conditions for `filters`, as SQLAlchemy expressions with bound values."""
    params = filter_params(filters)
    return [_condition(name, params) for name in params]


def _order_by(sort: str) -> list[ColumnElement[Any]]:
    key = _SORT_KEYS[sort.lstrip("-")]
    descending = sort.startswith("-")
    column = key.column.desc() if descending else key.column.asc()
    # NULLs last in both directions, on both databases (their defaults differ).
    if key.nullable:
        column = column.nulls_last()
    return [column, CARS.c.id.desc() if descending else CARS.c.id.asc()]


def cars_query(filters: CarFilters) -> Select[Any]:
    """The filtered, sorted listing query (ties broken by id, so pages are stable)."""
    params = filter_params(filters)
    return _listing(tuple(params), filters.sort).params(params)


def count_query(filters: CarFilters) -> Select[int]:
    """SELECT count(*) of the cars matching `filters`."""
    params = filter_params(filters)
    return _count(tuple(params)).params(params)


def count_cars(filters: CarFilters, *, session: Session | Connection) -> int:
    """How many cars match `filters` (through an ORM session or a plain connection)."""
    params = filter_params(filters)
    return session.execute(_count(tuple(params)), params).scalar_one()


@lru_cache(maxsize=512)
def _count(names: tuple[str, ...]) -> Select[int]:
    return select(func.count()).select_from(CARS).where(*_conditions(names))


@lru_cache(maxsize=1024)
def _listing(names: tuple[str, ...], sort: str) -> Select[Any]:
    return _SELECT_ITEMS.where(*_conditions(names)).order_by(*_order_by(sort))


# How a page is read: from the start of the order, after a cursor's (or an anchor's) key,
# after one in the NULL tail, or from the start of the NULL tail once the keys ran out. Each
# may skip rows (OFFSET): a page by number, or by number from the nearest anchor before it.
PageMode = Literal["start", "after", "after_null", "null_tail"]


@lru_cache(maxsize=2048)
def _page(names: tuple[str, ...], sort: str, mode: PageMode, skip: bool = False) -> Select[Any]:
    """The statement of one kind of page, its values unbound: built once per shape.

    Building a select costs more than executing a cached one; the same object also keeps its
    cache key, which SQLAlchemy would otherwise compute on every execution.
    """
    limit = bindparam("limit", type_=Integer)
    key = _SORT_KEYS[sort.lstrip("-")]
    descending = sort.startswith("-")
    last_id = bindparam("after_id", type_=BigInteger)
    where: list[ColumnElement[bool]] = []
    if mode in ("null_tail", "after_null"):
        where.append(key.column.is_(None))
    if mode == "after_null":
        where.append(CARS.c.id < last_id if descending else CARS.c.id > last_id)
    if mode == "after":
        # A row comparison is an index condition: the scan starts right after the key.
        row = tuple_(key.column, CARS.c.id)
        value = tuple_(bindparam("after_value", type_=key.column.type), last_id)
        where.append(row < value if descending else row > value)
    if not skip:
        return _listing(names, sort).where(*where).limit(limit)
    # Skipped rows are passed over on the ids alone, an index-only scan of the covering sort
    # index; only the page's own rows are then read by primary key (a "deferred join").
    order = _order_by(sort)
    ids = (
        select(CARS.c.id)
        .where(*_conditions(names), *where)
        .order_by(*order)
        .offset(bindparam("offset", type_=Integer))
        .limit(limit)
        .subquery()
    )
    return _SELECT_ITEMS.join(ids, CARS.c.id == ids.c.id).order_by(*order)


@dataclass(frozen=True, slots=True)
class Anchors:
    """Where one filtered order stands: the key of every `stride`-th row, and the non-NULL keys.

    `keys[k]` is the (sort value, id) of the row at position (k + 1) * stride - 1. A page by
    number then starts after the nearest anchor before it, so its cost does not grow with
    its depth. Anchors are a snapshot: rows added or removed before one since it was taken
    shift a deep page by as many rows, as they would shift any page between two requests.
    """

    stride: int
    keys: tuple[tuple[Any, int], ...]
    non_null: int


@lru_cache(maxsize=512)
def _anchor_rows(names: tuple[str, ...], sort: str) -> Select[Any]:
    key = _SORT_KEYS[sort.lstrip("-")]
    position = func.row_number().over(order_by=_order_by(sort)).label("position")
    columns = (key.column.label("value"), CARS.c.id, position)
    ranked = select(*columns).where(*_conditions(names)).subquery()
    stride = bindparam("stride", type_=Integer)
    return (
        select(ranked.c.value, ranked.c.id)
        .where(ranked.c.position % stride == 0)
        .order_by(ranked.c.position)
    )


def page_anchors(filters: CarFilters, *, session: Session | Connection, stride: int) -> Anchors:
    """The key of every `stride`-th row of `filters`' order, in one pass over its sort index."""
    params = filter_params(filters)
    names = tuple(params)
    rows = session.execute(_anchor_rows(names, filters.sort), {**params, "stride": stride})
    keys = tuple((value, row_id) for value, row_id in rows)
    key = _SORT_KEYS[filters.sort.lstrip("-")].column
    non_null = select(func.count(key)).where(*_conditions(names))
    return Anchors(stride, keys, session.execute(non_null, params).scalar_one())


def page_statement(
    filters: CarFilters, page: Page, anchors: Anchors | None = None
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement of one page (shared by every page of its shape) and its values.

    By page number (OFFSET, from the nearest of `anchors` when given), or after a cursor
    (keyset); InvalidCursor for a bad cursor.
    """
    params = filter_params(filters)
    params["limit"] = page.page_size
    mode: PageMode = "start"
    if page.cursor is not None:
        mode = _after(params, *decode_cursor(page.cursor, filters.sort))
    elif anchors is not None and page.deeper_than(anchors.stride) and anchors.keys:
        index = min(page.offset // anchors.stride, len(anchors.keys)) - 1
        mode = _after(params, *anchors.keys[index])
        params["offset"] = page.offset - (index + 1) * anchors.stride
    elif page.offset:
        params["offset"] = page.offset
    names = tuple(name for name in params if name not in _PAGE_PARAMS)
    return _page(names, filters.sort, mode, "offset" in params), params


def _after(params: dict[str, Any], value: Any, row_id: int) -> PageMode:
    """Continue after the row (`value`, `row_id`); a NULL key continues in the NULL tail."""
    params["after_id"] = row_id
    if value is None:
        return "after_null"
    params["after_value"] = value
    return "after"


_PAGE_PARAMS = frozenset(("limit", "offset", "after_id", "after_value"))


def page_query(filters: CarFilters, page: Page, anchors: Anchors | None = None) -> Select[Any]:
    """The SELECT of one page, with its values bound (for EXPLAIN, or to compose)."""
    statement, params = page_statement(filters, page, anchors)
    return statement.params(params)


def fetch_page(
    filters: CarFilters,
    page: Page,
    *,
    session: Session | Connection,
    anchors: Anchors | None = None,
) -> list[dict[str, Any]]:
    """One page of matching cars (dicts of ITEM_COLUMNS), by offset or after `page.cursor`.

    A plain Connection is cheaper than an ORM Session: the rows are column tuples either way.
    """
    statement, params = page_statement(filters, page, anchors)
    items = item_dicts(session.execute(statement, params))
    tail = null_tail(filters, page, params, len(items), anchors)
    if tail is not None:
        # The NULL keys follow the last non-NULL one, in id order.
        items += item_dicts(session.execute(*tail))
    return items


def item_dicts(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows of a page query (ITEM_COLUMNS, in order) as dicts by column name."""
    return [dict(zip(ITEM_COLUMNS, row, strict=True)) for row in rows]


def null_tail(
    filters: CarFilters,
    page: Page,
    params: dict[str, Any],
    found: int,
    anchors: Anchors | None = None,
) -> tuple[Select[Any], dict[str, Any]] | None:
    """After a page that ran out of non-NULL keys past its cursor or anchor: the NULL tail."""
    if found == page.page_size or "after_value" not in params:
        return None
    if not _SORT_KEYS[filters.sort.lstrip("-")].nullable:
        return None
    names = tuple(name for name in params if name not in _PAGE_PARAMS)
    tail = {name: params[name] for name in names}
    tail["limit"] = page.page_size - found
    # From an anchor, the page may start past the first NULL key: skip to where it starts.
    if page.cursor is None and anchors is not None:
        skip = page.offset - anchors.non_null
        if skip > 0:
            tail["offset"] = skip
    return _page(names, filters.sort, "null_tail", "offset" in tail), tail


def encode_cursor(sort: str, row: Mapping[str, Any]) -> str:
    """The opaque cursor that continues after `row` under `sort`."""
    value = _SORT_KEYS[sort.lstrip("-")].read(row)
    raw = json.dumps([sort, value, row["id"]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The (sort key, id) a cursor points after; InvalidCursor if garbled or for another sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, last_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidCursor("cursor is not one this API issued") from error
    if cursor_sort != sort:
        raise InvalidCursor(f"cursor was issued for sort={cursor_sort}, not sort={sort}")
    # bool is an int to isinstance, and true is no id.
    if type(last_id) is not int or not (value is None or type(value) in (int, str)):
        raise InvalidCursor("cursor is not one this API issued")
    if _SORT_KEYS[sort.lstrip("-")].is_time:
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError as error:
            raise InvalidCursor("cursor is not one this API issued") from error
        if value.tzinfo is None:
            raise InvalidCursor("cursor is not one this API issued")
    elif isinstance(value, str):
        raise InvalidCursor("cursor is not one this API issued")
    return value, last_id


def search_cars(
    filters: CarFilters, page: Page, *, session: Session
) -> tuple[list[dict[str, Any]], int]:
    """One page of matching cars and the total count."""
    return fetch_page(filters, page, session=session), count_cars(filters, session=session)


def _counts(
    columns: Sequence[QueryableAttribute[Any]], filters: CarFilters, *, session: Session
) -> list[tuple[Any, ...]]:
    conditions = [*filter_conditions(filters), *(column.is_not(None) for column in columns)]
    count = func.count().label("count")
    query = (
        select(*columns, count)
        .where(*conditions)
        .group_by(*columns)
        .order_by(count.desc(), *columns)
    )
    return [tuple(row) for row in session.execute(query)]


def facets(filters: CarFilters, *, session: Session) -> dict[str, list[dict[str, Any]]]:
    """Distinct values with counts under `filters`: makes (with models), colours, and so on."""
    makes: dict[str, dict[str, Any]] = {}
    for make, count in _counts([Car.make], filters, session=session):
        makes[make] = {"value": make, "count": count, "models": []}
    for make, model, count in _counts([Car.make, Car.model], filters, session=session):
        makes[make]["models"].append({"value": model, "count": count})
    result: dict[str, list[dict[str, Any]]] = {"makes": list(makes.values())}
    for name, column in (
        ("colors", Car.color),
        ("body_types", Car.body_type),
        ("transmissions", Car.transmission),
        ("fuels", Car.fuel),
        ("prefectures", Car.prefecture),
    ):
        rows = _counts([column], filters, session=session)
        result[name] = [{"value": value, "count": count} for value, count in rows]
    return result
