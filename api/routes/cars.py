"""The car listings: GET /api/cars, /api/cars/facets, /api/cars/export.csv, /api/cars/{id}."""

import csv
import io
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import selectinload

from api.cache import TTLCache
from api.db import fetch_rows
from api.deps import SessionDep, require_access_token
from api.schemas import CarDetail, CarPage, Facets, Problem
from core.filters import (
    ITEM_COLUMNS,
    Anchors,
    CarFilters,
    InvalidCursor,
    Page,
    cars_query,
    count_cars,
    encode_cursor,
    facets,
    item_dicts,
    null_tail,
    page_anchors,
    page_statement,
)
from core.models import Car

router = APIRouter(
    prefix="/api/cars",
    tags=["cars"],
    dependencies=[Depends(require_access_token)],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)

FiltersQuery = Annotated[CarFilters, Query()]
T = TypeVar("T")
CSV_BATCH = 1000
UTF8_BOM = "\ufeff"  # so Excel reads the Japanese text as UTF-8


def _cache(request: Request) -> TTLCache[Any]:
    cache: TTLCache[Any] = request.app.state.cache
    return cache


def _query_parameters(*models: type[BaseModel]) -> list[dict[str, Any]]:
    """The OpenAPI query parameters of the models' fields, as FastAPI writes them for
    `Annotated[Model, Query()]`: one optional parameter per field, its JSON schema inline."""
    parameters = []
    for model in models:
        properties = model.model_json_schema()["properties"]
        for name, field in model.model_fields.items():
            schema = dict(properties[name])
            if schema.get("default", ...) is None:  # FastAPI leaves `default: null` out
                del schema["default"]
            parameter = {"name": name, "in": "query", "required": field.is_required()}
            if field.description:
                parameter["description"] = field.description
            parameters.append({**parameter, "schema": schema})
    return parameters


def _filters_and_page(request: Request) -> tuple[CarFilters, Page]:
    """CarFilters and Page from the query string, each validated by pydantic in one call.

    FastAPI reads `Annotated[Model, Query()]` field by field, looking up every alias: ~80 µs
    a request for these two models against 3 µs here, an eighth of the worker's CPU time per
    GET /api/cars. Errors are FastAPI's 422, with the same `("query", field)` locations.
    """
    params = dict(request.query_params)  # a repeated key: the last value, as FastAPI takes
    errors: list[Any] = []
    parsed: list[BaseModel] = []
    for model in (CarFilters, Page):
        try:
            parsed.append(model.model_validate(params))
        except ValidationError as error:
            errors.extend(
                {**e, "loc": ("query", *e["loc"])} for e in error.errors(include_url=False)
            )
    if errors:
        raise RequestValidationError(errors)
    filters, page = parsed
    assert isinstance(filters, CarFilters) and isinstance(page, Page)
    return filters, page


async def _read(engine: AsyncEngine, read: Callable[[Connection], T]) -> T:
    """`read` on a connection of its own: the cache may call it after the request's answer."""
    async with engine.connect() as connection:
        return await connection.run_sync(read)


def _anchors(request: Request, filters: CarFilters, page: Page) -> Anchors | None:
    """The anchors of a deep page's order, if they are cached (else they start being taken).

    Only a page deeper than one stride needs them; the page never waits for them.
    """
    stride: int = request.app.state.settings.page_anchor_stride
    if not page.deeper_than(stride):
        return None
    engine: AsyncEngine = request.app.state.engine
    found: Anchors | None = _cache(request).get_or_start(
        ("anchors", filters),
        lambda: _read(engine, lambda sync: page_anchors(filters, session=sync, stride=stride)),
    )
    return found


# The query parameters are read by `_filters_and_page`, so FastAPI does not see them: they
# are documented through `openapi_extra`, exactly as FastAPI wrote them (tests/api checks).
@router.get(
    "",
    response_model=CarPage,
    responses={422: {"model": Problem}},
    openapi_extra={"parameters": _query_parameters(CarFilters, Page)},
)
async def list_cars(request: Request) -> Response:
    """One page of cars matching the filters, with the total and a cursor to the next page."""
    filters, page = _filters_and_page(request)
    engine: AsyncEngine = request.app.state.engine
    # A plain connection, not an ORM session: the rows are tuples either way, and the
    # session's bookkeeping was a tenth of the request's CPU time. The statement is shared by
    # every request of the same shape (which filters, sort, kind of page): only the values
    # change, and on asyncpg it runs as the driver's prepared statement (api.db.fetch_rows).
    anchors = _anchors(request, filters, page)
    try:
        statement, params = page_statement(filters, page, anchors)
    except InvalidCursor as error:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "cursor"), "msg": str(error)}]
        ) from error
    async with engine.connect() as connection:
        rows = item_dicts(await fetch_rows(connection, statement, params))
        tail = null_tail(filters, page, params, len(rows), anchors)
        if tail is not None:  # a page that ran out of keys goes on into the NULLs
            rows += item_dicts(await fetch_rows(connection, *tail))
    # The total does not depend on the order: one cache entry for every sort. It is counted
    # on a connection of its own, after the page's went back to the pool: the cache may
    # count in the background, after this request has been answered.
    key = ("count", filters.model_copy(update={"sort": "-updated"}))
    total = await _cache(request).get_or_compute(
        key, lambda: _read(engine, lambda sync: count_cars(filters, session=sync))
    )
    full = len(rows) == page.page_size
    body = {
        "items": rows,
        "total": total,
        "page": page.page,
        "page_size": page.page_size,
        "next_cursor": encode_cursor(filters.sort, rows[-1]) if full else None,
    }
    # CarPage documents the shape; the rows are already typed by the database, so they go
    # to JSON directly: orjson writes the bytes pydantic would (UTC as Z, UTF-8 as is) in a
    # fifth of the time, without validating 700 values we just read from our own columns.
    return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z), media_type="application/json")


@router.get("/facets", responses={422: {"model": Problem}})
async def car_facets(request: Request, session: SessionDep, filters: FiltersQuery) -> Facets:
    """Distinct makes (with models), colours, bodies, gearboxes, fuels, prefectures, counted."""
    cache, key = _cache(request), ("facets", filters.model_copy(update={"sort": "-updated"}))
    found = cache.get(key)
    if found is None:
        found = cache.put(key, await session.run_sync(lambda s: facets(filters, session=s)))
    return Facets.model_validate(found)


def _csv_cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _csv_lines(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode()


async def _csv_chunks(filters: CarFilters, engine: AsyncEngine) -> AsyncIterator[bytes]:
    yield UTF8_BOM.encode() + _csv_lines([ITEM_COLUMNS])
    # A server-side cursor needs a transaction (the API's engine autocommits otherwise); a
    # snapshot isolation level also gives the whole export one consistent view.
    level = "REPEATABLE READ" if engine.dialect.name == "postgresql" else "SERIALIZABLE"
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level=level)
        async with connection.begin():
            # CSV_BATCH rows at a time through the cursor: memory stays at one batch.
            query = cars_query(filters).execution_options(yield_per=CSV_BATCH)
            result = await connection.stream(query)
            async for batch in result.partitions():
                yield _csv_lines(batch)


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 422: {"model": Problem}},
)
async def export_csv(request: Request, filters: FiltersQuery) -> StreamingResponse:
    """Every car matching the filters, streamed as UTF-8 CSV (with a BOM for Excel)."""
    return StreamingResponse(
        _csv_chunks(filters, request.app.state.engine),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cars.csv"'},
    )


@router.get("/{car_id}", responses={404: {"model": Problem}, 422: {"model": Problem}})
async def get_car(
    session: SessionDep, car_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> CarDetail:
    """One car, active or not, with its photos and price history."""
    car = await session.get(Car, car_id, options=[selectinload(Car.price_history)])
    if car is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Car not found")
    return CarDetail.model_validate(car)
