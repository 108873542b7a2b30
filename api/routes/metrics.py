"""GET /metrics: the API's own counters, and the crawl's state read from the database."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep, SettingsDep
from api.monitoring import ACTIVE_LISTINGS, Snapshot, crawl_state

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(session: SessionDep, settings: SettingsDep) -> Response:
    """Prometheus text; with the database down, the API's own metrics still (database_up 0)."""
    try:
        snapshot = Snapshot(
            await crawl_state(session, settings), await session.scalar(ACTIVE_LISTINGS) or 0
        )
    except (SQLAlchemyError, OSError):
        snapshot = Snapshot(None)
    return Response(generate_latest() + generate_latest(snapshot), media_type=CONTENT_TYPE_LATEST)
