"""GET /api/market: a model's prices by year and mileage band, and its listings as points."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import SessionDep, require_access_token
from api.schemas import MarketStats, Problem
from core import read

router = APIRouter(
    prefix="/api",
    tags=["market"],
    dependencies=[Depends(require_access_token)],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)


class ModelQuery(BaseModel):
    """Which model: its canonical make and model, and optionally carsensor's model name."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    make: str = Field(max_length=64, description="e.g. Toyota")
    model: str = Field(max_length=128, description="e.g. Prius")
    model_ja: str | None = Field(None, max_length=128, description="to narrow, e.g. プリウスα")

    @field_validator("make", "model", "model_ja")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "\x00" in value or not value.strip():
            raise ValueError("must be a name: not blank, no NUL characters")
        return value.strip()


@router.get("/market", response_model=MarketStats, responses={422: {"model": Problem}})
async def market(session: SessionDep, which: Annotated[ModelQuery, Query()]) -> Any:
    """Count, median, p25 and p75 of the total price of the model's active listings, overall,
    by year and by mileage band; the median of the estimated market price by year; the median
    days on market; and the listings as (year, price) points."""
    return await read.market_stats(which.make, which.model, which.model_ja, session=session)
