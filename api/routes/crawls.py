"""Crawl runs: GET /api/crawls for anyone signed in, POST /api/crawls (admins) to crawl now."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select

from api.deps import AdminUser, CurrentUser, SessionDep, SettingsDep
from api.schemas import CrawlList, CrawlRunOut, CrawlStart, CrawlStarted, Problem
from core import crawls
from core.db import make_engine, session_factory
from core.models import CrawlRun
from core.settings import Settings

router = APIRouter(
    prefix="/api/crawls",
    tags=["crawls"],
    responses={401: {"model": Problem, "description": "Missing, expired or invalid token"}},
)


@router.get("")
async def list_crawls(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> CrawlList:
    """The newest runs first, how many are active, and whether this user may start one."""
    rows = (await session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit))).all()
    active = await session.scalar(
        select(func.count()).select_from(CrawlRun).where(CrawlRun.status.in_(crawls.ACTIVE))
    )
    runs = [CrawlRunOut.model_validate(row) for row in rows]
    return CrawlList(
        runs=runs, active=active or 0, last=runs[0] if runs else None, can_start=user.is_admin
    )


@router.get("/{job_id}", responses={404: {"model": Problem, "description": "No such run"}})
async def get_crawl(job_id: str, session: SessionDep, _user: CurrentUser) -> CrawlRunOut:
    """One run by its job id, however old: the link an alert gives."""
    run = await session.scalar(select(CrawlRun).where(CrawlRun.job_id == job_id))
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No crawl run {job_id}")
    return CrawlRunOut.model_validate(run)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        403: {"model": Problem, "description": "Not an admin"},
        409: {"model": Problem, "description": "Every shard asked for is already running"},
        422: {"model": Problem, "description": "Unknown shard"},
        503: {"model": Problem, "description": "No scrapyd node took the crawl"},
    },
)
async def start_crawl(
    request: Request,
    settings: SettingsDep,
    _admin: AdminUser,
    body: Annotated[CrawlStart | None, Body()] = None,
) -> CrawlStarted:
    """Start the shards now on the least-loaded nodes, through the scheduler's own code."""
    configured = crawls.configured_shards(settings)
    shards = body.shards if body and body.shards else configured
    # The backfill may be started by hand too, but is no part of "crawl everything now".
    unknown = sorted(set(shards) - {*configured, crawls.DETAILS})
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"Unknown shards: {', '.join(unknown)}; configured: " + ", ".join(configured),
        )
    # The scheduler's code is blocking (scrapyd over HTTP), so it runs in a worker thread.
    started = await run_in_threadpool(_tick_now, settings, shards)
    if started is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "No scrapyd node took the crawl")
    if not started:
        raise HTTPException(status.HTTP_409_CONFLICT, "Every shard asked for is already running")
    runs = [CrawlRunOut.model_validate(run) for run in started]
    return CrawlStarted(job_ids=[run.job_id for run in runs], runs=runs)


def _tick_now(settings: Settings, shards: list[str]) -> list[CrawlRun] | None:
    """The runs started; None when no node took a shard that was not already running.

    On a blocking engine of its own for this one call: an admin's click is rare, and the API's
    process keeps one engine, the async one.
    """
    cluster = crawls.cluster_from(settings)
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            policy = crawls.policy_from(settings, interval=timedelta(0), details=False)
            started = crawls.tick(cluster, shards, policy, session=session)
            running = session.scalars(
                select(CrawlRun.shard).where(
                    CrawlRun.status.in_(crawls.ACTIVE), CrawlRun.shard.in_(shards)
                )
            ).all()
            session.commit()
    finally:
        engine.dispose()
    return started if started or len(running) == len(set(shards)) else None
