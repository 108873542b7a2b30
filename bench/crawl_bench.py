"""A full crawl against the local replay site with no site budget and no delays.

Reports pages/s against ceilings measured in the same run, round after round (interleaved, so
a slow moment of the shared machine hits crawl and ceilings alike): the replay site's raw
serving rate (a keep-alive client fetching the same pages), the list parser alone on those
pages, and the list parser alone on pages built from real saved carsensor markup
(../shared/carsensor-html, as bench.parse_bench builds them; skipped when that folder is
absent). The crawl is CPU-bound: one process parses, normalises and stores, in batches of the
production STORE_BATCH_SIZE. Also the crawler's peak RSS for a short and a 10x longer crawl
(memory must stay flat), and the requests per stored listing on a second, unchanged crawl.
"""

import argparse
import http.client
import logging
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import scratch_database, spread
from bench.parse_bench import BASE as REAL_BASE
from bench.parse_bench import REAL_PAGE, thirty_card_page
from crawler import settings as crawler_settings
from crawler.parsing import parse_list_page
from replay import ROOT
from replay.crawl import crawl_command, crawl_env
from replay.site import ReplaySite, make_catalog

logger = logging.getLogger("bench.crawl")
UNTHROTTLED = {
    "CRAWL_SITE_RATE": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    # The production batch, not the tests' small one (replay.crawl.TEST_SETTINGS).
    "STORE_BATCH_SIZE": str(crawler_settings.STORE_BATCH_SIZE),
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


def real_pages() -> list[bytes] | None:
    """Thirty-card pages of real carsensor markup, or None where ../shared is missing."""
    if not REAL_PAGE.exists():
        return None
    html, _ = thirty_card_page()
    return [html.encode("utf-8")] * 50


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


def fresh_crawl(base_url: str, tmp: Path) -> tuple[float, int]:
    """A list-only crawl of the whole site into its own scratch database."""
    with scratch_database("bench_crawl") as url:
        return crawl(url, base_url, tmp, "-a", "details=none")


def log_spread(name: str, values: list[float], unit: str, fmt: str = "%8.1f") -> None:
    """One measure's min / median / max over the rounds."""
    low, mid, high = spread(values)
    logger.info(f"%-40s {fmt} / {fmt} / {fmt} %s", name, low, mid, high, unit)


def main() -> None:
    """Run the rounds and log pages/s, ratios, RSS and requests per listing."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--short", type=int, default=200, help="pages of the short crawl")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp:
        run(args, Path(tmp))


def run(args: argparse.Namespace, tmp: Path) -> None:
    """The rounds, the summary and the unchanged crawl; crawl stats files go to `tmp`."""
    real = real_pages()
    if real is None:
        logger.info("real-markup parser ceiling skipped: %s is missing", REAL_PAGE)
    logger.info(
        "STORE_BATCH_SIZE %s (crawler/settings.py); %d rounds of: raw fetch, parser on replay "
        "pages, parser on real pages, %d-page crawl, %d-page crawl",
        UNTHROTTLED["STORE_BATCH_SIZE"], args.rounds, args.pages, args.short,
    )  # fmt: skip

    measures: dict[str, list[float]] = {}

    def record(name: str, value: float) -> float:
        measures.setdefault(name, []).append(value)
        return value

    # Two sites, so both crawls are complete walks (one stopped at max_pages exits 1).
    with (
        ReplaySite(make_catalog(args.pages * 30, seed=3)) as site,
        ReplaySite(make_catalog(args.short * 30, seed=5)) as short_site,
    ):
        site.record = short_site.record = False
        for round_no in range(1, args.rounds + 1):
            raw, bodies = raw_fetch(site.base_url, min(args.pages, 300))
            record("raw", raw)
            parse_replay = record("parse_replay", parse_pages_per_second(bodies, site.base_url))
            parse_real = None
            if real is not None:
                parse_real = record("parse_real", parse_pages_per_second(real, REAL_BASE))
            long_s, long_rss = fresh_crawl(site.base_url, tmp)
            short_s, short_rss = fresh_crawl(short_site.base_url, tmp)
            rate = record("crawl", args.pages / long_s)
            record("crawl/raw", rate / raw)
            record("crawl/parse_replay", rate / parse_replay)
            if parse_real is not None:
                record("crawl/parse_real", rate / parse_real)
            record("rss_short", short_rss / 1024)
            record("rss_long", long_rss / 1024)
            record("rss_ratio", long_rss / short_rss)
            logger.info(
                "round %d: crawl %.1f pages/s; raw %.0f, parser %.1f (replay) / %s (real) "
                "pages/s; RSS %.0f / %.0f MB",
                round_no, rate, raw, parse_replay,
                f"{parse_real:.1f}" if parse_real is not None else "-",
                short_rss / 1024, long_rss / 1024,
            )  # fmt: skip
        page_kb = sum(map(len, bodies)) / len(bodies) / 1024

    logger.info("over %d rounds, min / median / max:", args.rounds)
    log_spread("replay site, raw keep-alive fetch", measures["raw"], "pages/s", "%8.0f")
    log_spread(
        f"list parser alone, replay pages ({page_kb:.0f} kB)", measures["parse_replay"], "pages/s"
    )
    if real is not None:
        kb = len(real[0]) / 1024
        log_spread(
            f"list parser alone, real markup ({kb:.0f} kB)", measures["parse_real"], "pages/s"
        )
    log_spread(f"full crawl, {args.pages} list pages", measures["crawl"], "pages/s")

    def ratio(name: str, key: str) -> None:
        log_spread(name, measures[key], "x", "%8.3f")

    ratio("  crawl / raw fetch", "crawl/raw")
    ratio("  crawl / parser on replay pages", "crawl/parse_replay")
    if real is not None:
        ratio("  crawl / parser on real markup", "crawl/parse_real")
    log_spread(f"peak RSS, {args.short} pages", measures["rss_short"], "MB", "%8.0f")
    log_spread(f"peak RSS, {args.pages} pages", measures["rss_long"], "MB", "%8.0f")
    ratio("  long / short RSS", "rss_ratio")

    # Requests per stored listing on a second, unchanged crawl (details=new).
    listings = 100 * 30
    with (
        ReplaySite(make_catalog(listings, seed=4)) as site,
        scratch_database("bench_crawl") as url,
    ):
        crawl(url, site.base_url, tmp)
        before = len(site.requests)
        crawl(url, site.base_url, tmp)
        requests = len(site.requests) - before
    logger.info(
        "second unchanged crawl: %d requests for %d listings = %.4f per listing "
        "(floor 1/30 + robots.txt = %.4f; target <= 0.05)",
        requests, listings, requests / listings, (listings / 30 + 1) / listings,
    )  # fmt: skip


if __name__ == "__main__":
    main()
