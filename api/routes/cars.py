"""The car listings: GET /api/cars, /api/cars/facets, /api/cars/export.csv, /api/cars/{id}
and /api/cars/{id}/comparables."""

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from api.deps import EngineDep, SessionDep, SettingsDep, TotalsDep, require_access_token
from api.schemas import CarDetail, CarPage, Comparables, Facets, Problem
from core import read
from core.filters import CarFilters
from core.models import LISTED_COLUMNS
from core.paging import InvalidCursor, Page

router = APIRouter(
    prefix="/api/cars",
    tags=["cars"],
    dependencies=[Depends(require_access_token)],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)

FiltersQuery = Annotated[CarFilters, Query()]
PageQuery = Annotated[Page, Query()]
UTF8_BOM = "\ufeff"  # so Excel reads the Japanese text as UTF-8


@router.get("", response_model=CarPage, responses={422: {"model": Problem}})
async def list_cars(
    session: SessionDep, totals: TotalsDep, filters: FiltersQuery, page: PageQuery
) -> Any:
    """One page of cars matching the filters, with the total and a cursor to the next page."""
    try:
        items = await read.page_of_cars(filters, page, session=session)
    except InvalidCursor as error:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "cursor"), "msg": str(error)}]
        ) from error
    return CarPage(
        items=items,
        total=await totals.total(filters, session=session),
        page=page.page,
        page_size=page.page_size,
        next_cursor=read.next_cursor(filters, page, items),
    )


@router.get("/facets", response_model=Facets, responses={422: {"model": Problem}})
async def car_facets(
    session: SessionDep, totals: TotalsDep, filters: FiltersQuery
) -> dict[str, Any]:
    """Distinct makes (with models), colours, bodies, gearboxes, fuels, prefectures, counted."""
    return await totals.facets(filters, session=session)


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
    yield UTF8_BOM.encode() + _csv_lines([LISTED_COLUMNS])
    # A connection of its own: the response streams after the request's session is closed.
    async with engine.connect() as connection:
        async for rows in read.export_batches(filters, connection=connection):
            yield _csv_lines(rows)


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 422: {"model": Problem}},
)
async def export_csv(engine: EngineDep, filters: FiltersQuery) -> StreamingResponse:
    """Every car matching the filters, streamed as UTF-8 CSV (with a BOM for Excel)."""
    return StreamingResponse(
        _csv_chunks(filters, engine),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cars.csv"'},
    )


CarId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get(
    "/{car_id}",
    response_model=CarDetail,
    responses={404: {"model": Problem}, 422: {"model": Problem}},
)
async def get_car(session: SessionDep, car_id: CarId) -> Any:
    """One car, active or not, with its photos and price history."""
    car = await read.get_car(car_id, session=session)
    if car is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Car not found")
    return car


@router.get(
    "/{car_id}/comparables",
    response_model=Comparables,
    responses={404: {"model": Problem}, 422: {"model": Problem}},
)
async def get_comparables(session: SessionDep, settings: SettingsDep, car_id: CarId) -> Any:
    """The listings the car's market price is estimated from, nearest first, as they are now;
    none for a car without an estimate."""
    items = await read.comparables_of(
        car_id, session=session, min_comparables=settings.market_min_comparables
    )
    if items is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Car not found")
    return Comparables(items=items)
