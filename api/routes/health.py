"""GET /api/health: is the database reachable, and is the crawled data fresh."""

from fastapi import APIRouter, Response, status
from sqlalchemy import func, select, true
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep, SettingsDep
from api.monitoring import crawl_state
from api.schemas import Health
from core.models import Car

router = APIRouter(prefix="/api", tags=["operations"])

# Served by the (source, is_active, last_seen_at) index: one index probe, not a scan.
LAST_CRAWL = select(func.max(Car.last_seen_at)).where(
    Car.source == "carsensor", Car.is_active == true()
)


@router.get("/health", responses={503: {"model": Health, "description": "Database down"}})
async def health(response: Response, session: SessionDep, settings: SettingsDep) -> Health:
    """200 while the database answers, "degraded" with reasons when the data is stale; 503 when
    the database does not answer. No sign-in needed."""
    try:
        last_crawl_at = await session.scalar(LAST_CRAWL)
        crawl = await crawl_state(session, settings)
    except (SQLAlchemyError, OSError):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="unavailable", database="unreachable")
    reasons = crawl.degraded_reasons()
    return Health(
        status="degraded" if reasons else "ok",
        database="ok",
        last_crawl_at=last_crawl_at,
        data_age_seconds=crawl.data_age_seconds,
        reasons=reasons,
    )
