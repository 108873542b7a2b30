"""The scheduler service: every CRAWL_INTERVAL, spread the crawl's shards over the scrapyd nodes.

    SCRAPYD_URLS=http://node1:6800,http://node2:6800 python -m crawler.scheduler [--once]
    python -m crawler.scheduler --plan    # print the default plan; starts nothing

Settings (core.settings): SCRAPYD_URLS, SCRAPYD_DISCOVER (a host name whose every address is a
node, as with `docker compose --scale scrapyd=3`), SCRAPYD_USERNAME / SCRAPYD_PASSWORD,
CRAWL_SHARDS (empty: the plan), CRAWL_INTERVAL (seconds between two crawls of a shard),
CRAWL_RETRY_DELAYS (the backoff after an incomplete, failed or lost run), CRAWL_SITE_RATE (the
requests per second every job shares), CRAWL_DETAILS* (the details backfill), CRAWL_POLL
(seconds between ticks; each tick also logs the progress of running crawls), RATES_FEED_URL
(exchange rates, read once a day when set) and LOG_FORMAT. After every crawl that changed
listings it recomputes their market values (core.valuation).
It keeps no state of its own: `crawl_runs` (DATABASE_URL) is the record, so it may restart freely.
"""

import argparse
import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime
from types import FrameType

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import crawls, money, valuation
from core.db import make_engine, session_factory
from core.logs import configure_logging
from core.models import CrawlRun, utcnow
from core.settings import Settings, get_settings

logger = logging.getLogger("crawler.scheduler")
RATES_RETRY_SECONDS = 3600.0  # between two looks at the exchange rates' age


def run_tick(settings: Settings, sessions: sessionmaker[Session]) -> list[CrawlRun]:
    """One round of scheduling over the nodes known now, in its own session."""
    with sessions() as session:
        started = crawls.tick(
            crawls.cluster_from(settings),
            crawls.configured_shards(settings),
            crawls.policy_from(settings),
            session=session,
        )
        session.commit()
    return started


def refresh_rates(settings: Settings, sessions: sessionmaker[Session]) -> bool:
    """Store the feed's exchange rates when the last ones are a day old; False if that failed.

    Unreachable feeds are common (no internet, an outage): the old rates stay and the next
    attempt is an hour later.
    """
    url = settings.rates_feed_url
    with sessions() as session:
        if not url or not money.rates_due(session=session):
            return True
        try:
            money.refresh_rates(url, session=session)
        except (OSError, ValueError) as error:
            logger.warning("exchange rates not refreshed from %s: %s", url, error)
            return False
        session.commit()
    return True


def revalue(
    settings: Settings, sessions: sessionmaker[Session], seen: datetime | None
) -> datetime | None:
    """Recompute the market values (core.valuation) if a crawl changed listings since `seen`.

    `seen` is the final report of the last crawl already accounted for; None (at start)
    recomputes at once. Returns the new `seen`.
    """
    moved = sum(
        func.coalesce(column, 0)
        for column in (
            CrawlRun.listings_new,
            CrawlRun.listings_changed,
            CrawlRun.listings_gone,
            CrawlRun.listings_reappeared,
        )
    )
    with sessions() as session:
        changed = session.scalar(
            select(func.max(CrawlRun.progress_at)).where(CrawlRun.outcome.is_not(None), moved > 0)
        )
        if seen is not None and (changed is None or changed <= seen):
            return seen
        valuation.recompute(session=session, min_comparables=settings.market_min_comparables)
        session.commit()
    return changed or utcnow()


def main(argv: list[str] | None = None) -> int:
    """Tick every CRAWL_POLL seconds until SIGINT or SIGTERM (or once, with --once)."""
    parser = argparse.ArgumentParser(prog="python -m crawler.scheduler", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one tick and exit")
    parser.add_argument(
        "--plan", action="store_true", help="print shard, maker and first list URL; start nothing"
    )
    args = parser.parse_args(argv)
    if args.plan:
        base = os.environ.get("CARSENSOR_BASE_URL", "https://www.carsensor.net").rstrip("/")
        for shard, make in crawls.plan():
            sys.stdout.write(f"{shard}\t{make.en}\t{base}/usedcar/b{make.code}/index.html\n")
        return 0
    configure_logging("scheduler", level=os.environ.get("SCHEDULER_LOG_LEVEL", "INFO"))
    settings = get_settings()
    nodes = crawls.cluster_from(settings).nodes
    logger.info(
        "scheduling %s on %s every %ss",
        ",".join(crawls.configured_shards(settings)),
        ",".join(nodes) or f"nodes of {settings.scrapyd_discover} (none yet)",
        settings.crawl_interval,
    )
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    rates_tried = -RATES_RETRY_SECONDS
    valued: datetime | None = None
    while not stop.is_set():
        try:
            run_tick(settings, sessions)
            valued = revalue(settings, sessions, valued)
            if time.monotonic() - rates_tried >= RATES_RETRY_SECONDS:
                rates_tried = time.monotonic()
                refresh_rates(settings, sessions)
        except Exception:
            # A database outage must not kill the service; the next tick tries again.
            logger.exception("tick failed")
        if args.once:
            break
        stop.wait(settings.crawl_poll)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
