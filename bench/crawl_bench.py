"""A full crawl against the local replay site with throttling off.

Reports pages/s against two ceilings measured in the same run: the replay site's raw serving rate
(a keep-alive client fetching the same pages) and the list parser alone on those pages (the crawl
is CPU-bound: one process parses, normalises and stores). Also the crawler's peak RSS for a short
and a 10x longer crawl (memory must stay flat), and the requests per stored listing on a second,
unchanged crawl.
"""

import argparse
import http.client
import logging
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import scratch_database
from crawler.parsing import parse_list_page
from tests.crawler.crawl_helpers import ROOT, crawl_command, crawl_env
from tests.fakes.carsensor_site import ReplaySite, make_catalog

logger = logging.getLogger("bench.crawl")
UNTHROTTLED = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
}


def raw_fetch(base_url: str, pages: int) -> tuple[float, list[bytes]]:
    """How fast one keep-alive client fetches list pages from the replay site, and the pages."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    bodies = []
    started = time.perf_counter()
    for n in range(1, pages + 1):
        conn.request("GET", "/usedcar/index.html" if n == 1 else f"/usedcar/index{n}.html")
        bodies.append(conn.getresponse().read())
    elapsed = time.perf_counter() - started
    conn.close()
    return pages / elapsed, bodies


def parse_pages_per_second(bodies: list[bytes], base_url: str) -> float:
    """How fast the list parser alone reads those pages."""
    started = time.perf_counter()
    for body in bodies:
        parse_list_page(body, base_url)
    return len(bodies) / (time.perf_counter() - started)


def crawl(db_url: str, base_url: str, tmp: Path, *args: str) -> tuple[float, int]:
    """Run one unthrottled crawl; return (seconds, peak RSS in kB)."""
    command, _ = crawl_command(tmp, *args, settings=UNTHROTTLED)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=crawl_env(db_url, base_url))
    status = Path(f"/proc/{process.pid}/status")
    peak = 0
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.2)
    if process.wait() != 0:
        raise SystemExit(f"crawl failed: {' '.join(command)}")
    return time.perf_counter() - started, peak


def main() -> None:
    """Run the crawls and log pages/s, RSS and requests per listing."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--short", type=int, default=200, help="pages of the short crawl")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crawl-bench-"))

    with ReplaySite(make_catalog(args.pages * 30, seed=3)) as site:
        site.record = False
        raw, bodies = raw_fetch(site.base_url, min(args.pages, 300))
        parse_only = parse_pages_per_second(bodies, site.base_url)
        with scratch_database("carsensor_bench_crawl") as url:
            short_s, short_rss = crawl(
                url, site.base_url, tmp, "-a", "details=none", "-a", f"max_pages={args.short}"
            )
        with scratch_database("carsensor_bench_crawl") as url:
            long_s, long_rss = crawl(
                url, site.base_url, tmp, "-a", "details=none", "-a", f"max_pages={args.pages}"
            )
    rate = args.pages / long_s
    logger.info("replay site, raw keep-alive fetch : %7.1f pages/s", raw)
    logger.info("list parser alone                 : %7.1f pages/s", parse_only)
    logger.info(
        "full crawl, %d list pages        : %7.1f pages/s (%.2fx the raw fetch, %.2fx the parser)",
        args.pages,
        rate,
        rate / raw,
        rate / parse_only,
    )
    logger.info(
        "peak RSS: %d pages %.0f MB, %d pages %.0f MB (ratio %.2f)",
        args.short,
        short_rss / 1024,
        args.pages,
        long_rss / 1024,
        long_rss / short_rss,
    )

    # Requests per stored listing on a second, unchanged crawl (details=new).
    with (
        ReplaySite(make_catalog(100 * 30, seed=4)) as site,
        scratch_database("carsensor_bench_crawl") as url,
    ):
        crawl(url, site.base_url, tmp)
        before = len(site.requests)
        crawl(url, site.base_url, tmp)
        requests = len(site.requests) - before
    logger.info(
        "second unchanged crawl: %d requests for %d listings = %.3f per listing (target <= 0.05)",
        requests,
        3000,
        requests / 3000,
    )


if __name__ == "__main__":
    main()
