"""Extensions that report a crawl: its counters into its crawl_runs row, its stats to a file."""

import json
import logging
import socket
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import task, threads
from twisted.internet.defer import Deferred

from core import crawls
from core.models import CrawlRun, utcnow
from crawler import monitors
from crawler.db import crawl_engine

logger = logging.getLogger(__name__)
MANUAL_SHARD = "manual"


class RunReport:
    """Write the crawl's counters into its `crawl_runs` row every CRAWL_REPORT_INTERVAL seconds,
    and its verdict when it ends: the scheduler and the web app read its progress there.

    A job the scheduler started has a row: scrapyd passes its id as the `_job` argument. A
    crawl started by hand (`scrapy crawl`, or scrapyd's schedule.json called directly) has none
    until it ends: then it records itself as a finished run of the shard "manual", so that the
    crawls page shows it and saved searches are alerted after it (core.alerts).
    """

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.job: str | None = None
        self.engine: Engine | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Listen for the spider's start and the engine's stop."""
        extension = cls(crawler, crawler.settings.getfloat("CRAWL_REPORT_INTERVAL", 10.0))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        # engine_stopped comes after every spider_closed handler, the store's sweep included.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        """Start reporting, if a scheduler's run is behind this crawl."""
        self.engine = crawl_engine(self.crawler)
        self.job = getattr(spider, "_job", None)
        if self.job:
            self.loop = task.LoopingCall(self.report_progress)
            self.loop.start(self.interval, now=True)

    def report_progress(self) -> Deferred[bool]:
        """Write the counters off the reactor thread; a failed write waits for the next one."""
        return threads.deferToThread(self.write, final=False)

    def engine_stopped(self) -> None:
        """Write the final counters and the verdict."""
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.engine is None:
            return
        for attempt in range(3):
            if self.write(final=True):
                break
            time.sleep(2**attempt)
        else:
            logger.error("the final report of %s could not be written", self.job)

    def write(self, *, final: bool) -> bool:
        """Update the run's row; whether it worked."""
        assert self.engine is not None and self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        values: dict[str, object] = {**crawls.report(stats), "progress_at": utcnow()}
        if final:
            values["outcome"], values["reason"] = crawls.verdict(stats)
            # Put there by Spidermon's checks (crawler.monitors), which run just before.
            values["monitors"] = stats.get(monitors.RESULTS)
            values["fill_rates"] = stats.get(monitors.FILL_RATES)
        try:
            with self.engine.begin() as connection:
                written = connection.execute(
                    update(CrawlRun).where(CrawlRun.job_id == self.job).values(values)
                )
                if final and not written.rowcount:
                    connection.execute(insert(CrawlRun).values(self.manual_run(values)))
        except SQLAlchemyError as exc:
            logger.warning("could not report progress of %s: %s", self.job, exc)
            return False
        return True

    def manual_run(self, report: dict[str, object]) -> dict[str, object]:
        """The finished crawl_runs row of a crawl no scheduler started."""
        assert self.crawler.stats is not None
        started = self.crawler.stats.get_value("start_time")
        return {
            **report,
            "shard": MANUAL_SHARD,
            "node": socket.gethostname(),
            "job_id": self.job or f"manual-{uuid.uuid4().hex}",
            "status": report["outcome"],
            "started_at": started.replace(tzinfo=started.tzinfo or UTC)
            if isinstance(started, datetime)
            else None,
            "finished_at": report["progress_at"],
            "created_at": report["progress_at"],
        }


class StatsFile:
    """Write the crawl stats to CRAWL_STATS_FILE when the spider closes."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Enable only when CRAWL_STATS_FILE names a file."""
        path = crawler.settings.get("CRAWL_STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, Path(path))
        # engine_stopped comes after every spider_closed handler, the store's sweep included.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        """Dump the final stats, with the close reason, as one JSON object."""
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True))
        logger.info("stats written to %s", self.path)
