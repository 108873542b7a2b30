"""GET /api/health: is the database reachable, and when did the crawler last see a listing."""

from fastapi import APIRouter, Response, status
from sqlalchemy import func, select, true
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep
from api.schemas import Health
from core.models import Car

router = APIRouter(prefix="/api", tags=["operations"])

# Served by the (source, is_active, last_seen_at) index: one index probe, not a scan.
LAST_CRAWL = select(func.max(Car.last_seen_at)).where(
    Car.source == "carsensor", Car.is_active == true()
)


@router.get("/health", responses={503: {"model": Health, "description": "Database down"}})
async def health(response: Response, session: SessionDep) -> Health:
    """200 when the database answers, 503 when it does not; no sign-in needed."""
    try:
        last_crawl_at = await session.scalar(LAST_CRAWL)
    except (SQLAlchemyError, OSError):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable", database="unreachable")
    return Health(status="ok", database="ok", last_crawl_at=last_crawl_at)
