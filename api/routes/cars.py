"""The car listings: GET /api/cars, /api/cars/facets, /api/cars/export.csv, /api/cars/{id}."""

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from sqlalchemy import RowMapping
from sqlalchemy.orm import Session, sessionmaker

from api.cache import TTLCache
from api.deps import SessionDep, get_current_user
from api.schemas import CarDetail, CarOut, CarPage, Facets, Problem
from core.filters import (
    ITEM_COLUMNS,
    CarFilters,
    InvalidCursor,
    Page,
    cars_query,
    count_cars,
    encode_cursor,
    facets,
    fetch_page,
)
from core.models import Car

router = APIRouter(
    prefix="/api/cars",
    tags=["cars"],
    dependencies=[Depends(get_current_user)],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)

FiltersQuery = Annotated[CarFilters, Query()]
CSV_BATCH = 1000
UTF8_BOM = "\ufeff"  # so Excel reads the Japanese text as UTF-8


def _cache(request: Request) -> TTLCache[Any]:
    cache: TTLCache[Any] = request.app.state.cache
    return cache


@router.get("", responses={422: {"model": Problem}})
def list_cars(
    request: Request, session: SessionDep, filters: FiltersQuery, page: Annotated[Page, Query()]
) -> CarPage:
    """One page of cars matching the filters, with the total and a cursor to the next page."""
    try:
        rows = fetch_page(filters, page, session=session)
    except InvalidCursor as error:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "cursor"), "msg": str(error)}]
        ) from error
    total = _cache(request).get_or_compute(
        ("count", filters), lambda: count_cars(filters, session=session)
    )
    full = len(rows) == page.page_size
    return CarPage(
        items=[CarOut.model_validate(row) for row in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
        next_cursor=encode_cursor(filters.sort, rows[-1]) if full else None,
    )


@router.get("/facets", responses={422: {"model": Problem}})
def car_facets(request: Request, session: SessionDep, filters: FiltersQuery) -> Facets:
    """Distinct makes (with models), colours, bodies, gearboxes, fuels, prefectures, counted."""
    key = ("facets", filters.model_copy(update={"sort": "-updated"}))
    found = _cache(request).get_or_compute(key, lambda: facets(filters, session=session))
    return Facets.model_validate(found)


def _csv_cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _csv_lines(rows: Sequence[RowMapping] | Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def _csv_chunks(filters: CarFilters, sessions: sessionmaker[Session]) -> Iterator[bytes]:
    yield (UTF8_BOM + _csv_lines([ITEM_COLUMNS])).encode()
    with sessions() as session:
        # yield_per streams through a server-side cursor: memory stays at one batch.
        result = session.execute(cars_query(filters).execution_options(yield_per=CSV_BATCH))
        for batch in result.partitions():
            yield _csv_lines(batch).encode()


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 422: {"model": Problem}},
)
def export_csv(request: Request, filters: FiltersQuery) -> StreamingResponse:
    """Every car matching the filters, streamed as UTF-8 CSV (with a BOM for Excel)."""
    return StreamingResponse(
        _csv_chunks(filters, request.app.state.sessions),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cars.csv"'},
    )


@router.get("/{car_id}", responses={404: {"model": Problem}, 422: {"model": Problem}})
def get_car(
    session: SessionDep, car_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> CarDetail:
    """One car, active or not, with its photos and price history."""
    car = session.get(Car, car_id)
    if car is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Car not found")
    return CarDetail.model_validate(car)
