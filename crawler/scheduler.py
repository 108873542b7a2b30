"""The scheduler service: every CRAWL_INTERVAL, spread the crawl's shards over the scrapyd nodes.

    SCRAPYD_URLS=http://node1:6800,http://node2:6800 python -m crawler.scheduler [--once]

It keeps no state of its own: `crawl_runs` (DATABASE_URL) is the record, so it may restart freely.
"""

import argparse
import logging
import os
import signal
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType

from core import crawls
from core.db import session_factory

logger = logging.getLogger("crawler.scheduler")


@dataclass(frozen=True)
class Config:
    """What the scheduler reads from the environment."""

    cluster: crawls.Cluster
    shards: tuple[str, ...] = crawls.DEFAULT_SHARDS
    interval: timedelta = timedelta(hours=1)
    poll_seconds: float = 60.0
    settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Config":
        """SCRAPYD_URLS, SCRAPYD_USERNAME/PASSWORD, CRAWL_SHARDS, CRAWL_INTERVAL, CRAWL_POLL."""
        env = os.environ
        cluster = crawls.Cluster(
            nodes=crawls.parse_list(env.get("SCRAPYD_URLS", "http://127.0.0.1:6800")),
            username=env.get("SCRAPYD_USERNAME", ""),
            password=env.get("SCRAPYD_PASSWORD", ""),
        )
        return cls(
            cluster=cluster,
            shards=crawls.parse_list(env.get("CRAWL_SHARDS", "")) or crawls.DEFAULT_SHARDS,
            interval=timedelta(seconds=float(env.get("CRAWL_INTERVAL", "3600"))),
            poll_seconds=float(env.get("CRAWL_POLL", "60")),
        )


def run_tick(config: Config) -> list[crawls.CrawlRun]:
    """One round of scheduling, in its own session."""
    with session_factory()() as session:
        return crawls.tick(
            config.cluster,
            config.shards,
            config.interval,
            session=session,
            settings=config.settings,
        )


def main(argv: list[str] | None = None) -> int:
    """Tick every CRAWL_POLL seconds until SIGINT or SIGTERM (or once, with --once)."""
    parser = argparse.ArgumentParser(prog="python -m crawler.scheduler", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one tick and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("SCHEDULER_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = Config.from_env()
    logger.info(
        "scheduling %s on %s every %s",
        ",".join(config.shards), ",".join(config.cluster.nodes), config.interval,
    )  # fmt: skip
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stop.is_set():
        try:
            run_tick(config)
        except Exception:
            # A database outage must not kill the service; the next tick tries again.
            logger.exception("tick failed")
        if args.once:
            break
        stop.wait(config.poll_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
