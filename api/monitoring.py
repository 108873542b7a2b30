"""What an operator alerts on, read from crawl_runs and cars when asked (no pushgateway: scrapyd
jobs are short-lived, their rows are not): the crawl gauges of /metrics and the freshness that
/api/health reports.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import ColumnElement, ScalarSelect, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core import crawls
from core.models import Car, CrawlRun, utcnow
from core.settings import Settings

# Served by the (source, is_active, last_seen_at) index alone: an index-only count.
ACTIVE_LISTINGS = select(func.count()).where(Car.source == "carsensor", Car.is_active == true())


@dataclass(frozen=True)
class ShardState:
    """A shard's newest complete crawl, and the counts of its last ended run (0 without one)."""

    shard: str
    scheduled: bool
    last_complete_at: datetime | None
    items_stored: int
    items_dropped: int
    errors: int
    monitor_failures: int


@dataclass(frozen=True)
class CrawlState:
    """Every shard that is scheduled or has runs, as of `now`."""

    shards: Sequence[ShardState]
    interval: timedelta
    now: datetime

    @property
    def newest_complete(self) -> datetime | None:
        """When the newest complete list crawl ended (the details backfill refreshes no list)."""
        ends = [
            s.last_complete_at
            for s in self.shards
            if s.last_complete_at is not None and s.shard != crawls.DETAILS
        ]
        return max(ends, default=None)

    @property
    def data_age_seconds(self) -> float | None:
        """Seconds since the newest complete list crawl; None when none ever completed."""
        newest = self.newest_complete
        return None if newest is None else round((self.now - newest).total_seconds(), 3)

    def degraded_reasons(self) -> list[str]:
        """Why the data is not fresh: scheduled shards without a complete crawl in 2 intervals."""
        if self.newest_complete is None:
            return ["no crawl has completed yet"]
        limit = 2 * self.interval
        reasons = []
        for state in self.shards:
            if not state.scheduled:
                continue
            if state.last_complete_at is None:
                reasons.append(f"shard {state.shard}: no complete crawl yet")
            elif (age := self.now - state.last_complete_at) > limit:
                reasons.append(
                    f"shard {state.shard}: last complete crawl {_duration(age)} ago, more than "
                    f"2 × CRAWL_INTERVAL ({_duration(limit)})"
                )
        return reasons


def _duration(delta: timedelta) -> str:
    return str(timedelta(seconds=int(delta.total_seconds())))


def _newest_run(shard: ColumnElement[str], *where: ColumnElement[bool]) -> ScalarSelect[int]:
    # max(id) of one shard: a backward probe of ix_crawl_runs_shard (shard, id), stopping at
    # the first row that matches (the last or the one before: one run per shard is active).
    return select(func.max(CrawlRun.id)).where(CrawlRun.shard == shard, *where).scalar_subquery()


ShardRow = tuple[str, datetime | None, int | None, int | None, int | None, list[Any] | None]


def _shard_runs() -> Select[ShardRow]:
    """Per shard with runs: when its newest finished run ended, and its last ended run's counts."""
    # The shards with runs by a skip scan of ix_crawl_runs_shard, one probe per shard: a GROUP BY
    # reads every run there ever was (60,000 runs on PostgreSQL: 33 ms for all this, not 3).
    first = select(func.min(CrawlRun.shard).label("shard")).cte("shards", recursive=True)
    later = aliased(CrawlRun)
    following = select(func.min(later.shard)).where(later.shard > first.c.shard).scalar_subquery()
    walk = first.union_all(select(following).where(first.c.shard.is_not(None)))
    shards = select(walk.c.shard).where(walk.c.shard.is_not(None)).subquery()
    runs = select(
        shards.c.shard,
        _newest_run(shards.c.shard, CrawlRun.status.not_in(crawls.ACTIVE)).label("ended"),
        _newest_run(shards.c.shard, CrawlRun.status == "finished").label("complete"),
    ).subquery()
    ended, complete = aliased(CrawlRun), aliased(CrawlRun)
    return (
        select(
            runs.c.shard,
            complete.finished_at,
            ended.items_stored,
            ended.items_dropped,
            ended.errors,
            ended.monitors,
        )
        .select_from(runs)
        .outerjoin(ended, ended.id == runs.c.ended)
        .outerjoin(complete, complete.id == runs.c.complete)
    )


SHARD_RUNS = _shard_runs()


async def crawl_state(session: AsyncSession, settings: Settings) -> CrawlState:
    """Each shard's state, from a few probes of ix_crawl_runs_shard per shard."""
    rows = await session.execute(SHARD_RUNS)
    scheduled = crawls.configured_shards(settings)
    found = {
        row.shard: ShardState(
            shard=row.shard,
            scheduled=row.shard in scheduled,
            last_complete_at=row.finished_at,
            items_stored=row.items_stored or 0,
            items_dropped=row.items_dropped or 0,
            errors=row.errors or 0,
            monitor_failures=sum(1 for check in row.monitors or () if check.get("ok") is False),
        )
        for row in rows
    }
    never_run = [ShardState(s, True, None, 0, 0, 0, 0) for s in scheduled if s not in found]
    return CrawlState(
        shards=sorted([*found.values(), *never_run], key=lambda s: s.shard),
        interval=timedelta(seconds=settings.crawl_interval),
        now=utcnow(),
    )


@dataclass(frozen=True)
class Snapshot:
    """A prometheus_client collector of values read once: the database's side of /metrics."""

    crawl: CrawlState | None  # None: the database did not answer
    active_listings: int = 0

    def collect(self) -> Iterator[Metric]:
        """The gauges, per shard where they are about one."""
        up = GaugeMetricFamily("carsensor_database_up", "Whether the database answered the scrape")
        up.add_metric([], 0 if self.crawl is None else 1)
        yield up
        if self.crawl is None:
            return
        crawl = self.crawl
        per_shard: dict[str, tuple[str, Callable[[ShardState], float]]] = {
            "carsensor_crawl_last_complete_timestamp_seconds": (
                "When the shard's newest finished crawl ended (Unix time; 0: never)",
                lambda s: s.last_complete_at.timestamp() if s.last_complete_at else 0,
            ),
            "carsensor_crawl_last_run_items_stored": (
                "Listings the shard's last ended run stored",
                lambda s: s.items_stored,
            ),
            "carsensor_crawl_last_run_items_dropped": (
                "Listings the shard's last ended run dropped (missing or invalid fields)",
                lambda s: s.items_dropped,
            ),
            "carsensor_crawl_last_run_errors": (
                "ERROR log lines of the shard's last ended run",
                lambda s: s.errors,
            ),
            "carsensor_crawl_last_run_monitor_failures": (
                "Spidermon checks the shard's last ended run failed",
                lambda s: s.monitor_failures,
            ),
            "carsensor_crawl_shard_scheduled": (
                "1 for a shard the scheduler runs (CRAWL_SHARDS or the plan), 0 for another",
                lambda s: int(s.scheduled),
            ),
        }
        for name, (documentation, value) in per_shard.items():
            family = GaugeMetricFamily(name, documentation, labels=["shard"])
            for state in crawl.shards:
                family.add_metric([state.shard], value(state))
            yield family
        yield GaugeMetricFamily(
            "carsensor_crawl_interval_seconds",
            "CRAWL_INTERVAL: the seconds between two crawls of a shard",
            value=crawl.interval.total_seconds(),
        )
        age = crawl.data_age_seconds
        yield GaugeMetricFamily(
            "carsensor_data_age_seconds",
            "Seconds since the newest complete list crawl ended (+Inf: none ever did)",
            value=float("inf") if age is None else age,
        )
        yield GaugeMetricFamily(
            "carsensor_active_listings", "Listings marked active", value=self.active_listings
        )
