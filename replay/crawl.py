"""Run the real `scrapy crawl` (carsensor, or details) in a subprocess and read what it did."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replay import ROOT

# A fast test crawl: no site budget (the budget tests turn it on), no delays, small batches.
TEST_SETTINGS = {
    "CRAWL_SITE_RATE": "0",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_START_DELAY": "0",
    "AUTOTHROTTLE_MAX_DELAY": "2",
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "3",
    "STORE_BATCH_SIZE": "20",
    "STORE_RETRY_BACKOFF": "0.2",
    "LIST_ANOMALY_BACKOFF": "0.05",
    "LOG_LEVEL": "INFO",
}


@dataclass
class Crawl:
    """A finished crawl: exit status, final stats and log."""

    returncode: int
    stats: dict[str, Any]
    log: str

    def stat(self, name: str) -> int:
        """An integer stat, 0 when absent."""
        return int(self.stats.get(name, 0))


def crawl_command(
    tmp_path: Path,
    *args: str,
    settings: dict[str, str] | None = None,
    spider: str = "carsensor",
) -> tuple[list[str], Path]:
    """The command line of a crawl by `spider`, and where it writes its stats."""
    stats_file = tmp_path / f"stats-{len(list(tmp_path.glob('stats-*')))}.json"
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    for name, value in (TEST_SETTINGS | (settings or {})).items():
        command += ["-s", f"{name}={value}"]
    command += ["-s", f"CRAWL_STATS_FILE={stats_file}"]
    return command, stats_file


def crawl_env(db_url: str, base_url: str) -> dict[str, str]:
    """The environment of a crawl against `base_url`, storing into `db_url`."""
    return os.environ | {"DATABASE_URL": db_url, "CARSENSOR_BASE_URL": base_url}


def run_crawl(
    db_url: str,
    base_url: str,
    tmp_path: Path,
    *args: str,
    settings: dict[str, str] | None = None,
    timeout: float = 240,
    spider: str = "carsensor",
) -> Crawl:
    """Run one crawl by `spider` to the end."""
    command, stats_file = crawl_command(tmp_path, *args, settings=settings, spider=spider)
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=crawl_env(db_url, base_url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return Crawl(done.returncode, stats, done.stderr + done.stdout)
