"""Extension that writes the crawl's final stats as JSON, for tests and the scheduler."""

import json
import logging
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


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
