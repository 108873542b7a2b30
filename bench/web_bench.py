"""The web app's first load: bundle size, and navigation to the first table paint in Chromium.

200k cars in a scratch PostgreSQL database, `uvicorn api.main:app` serving `web/dist` on the
same origin, Debian's Chromium driven by Playwright. Each load is a fresh page in a signed-in
browser context; the Performance API gives the time from navigation start to the first table
row painted. The baseline, measured in the same run and the same browser, is the table's own
data request (`GET /api/cars`) timed with `fetch`: the floor any page showing those rows pays.
"""

import argparse
import gzip
import logging
import re
import secrets
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session

from api.create_admin import upsert_admin
from bench.api_bench import PASSWORD, Build, seed, serve
from bench.common import scratch_database
from core.db import make_engine

logger = logging.getLogger("bench.web")
ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
# Records when the first table row is in the DOM, then when the frame holding it is painted.
FIRST_ROW = """
new MutationObserver((_, observer) => {
  if (document.querySelector('[data-testid="car-row"]')) {
    observer.disconnect();
    requestAnimationFrame(() => { window.__firstRowPaint = performance.now(); });
  }
}).observe(document, {childList: true, subtree: true});
"""
# The app keeps its access token under this key (web/src/api.ts, TOKEN_KEY).
FETCH_ROWS = """async () => {
  const token = sessionStorage.getItem('carsensor.access_token');
  const started = performance.now();
  const response = await fetch('/api/cars?page=1&page_size=20', {
    headers: {Authorization: 'Bearer ' + token},
  });
  await response.json();
  return performance.now() - started;
}"""


def first_load_js_gzipped() -> tuple[int, int]:
    """Gzipped and raw bytes of the scripts index.html loads."""
    html = (DIST / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]+src="/?([^"]+\.js)"', html)
    scripts += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/?([^"]+\.js)"', html)
    data = [(DIST / script).read_bytes() for script in dict.fromkeys(scripts)]
    return sum(len(gzip.compress(d, 9)) for d in data), sum(len(d) for d in data)


def main() -> None:
    """Seed, serve, load the table ten times, and log the medians and the ratio."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cars", type=int, default=200_000)
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        raise SystemExit("web/dist is not built: make web")
    gzipped, raw = first_load_js_gzipped()
    logger.info(
        "first-load JS: %.1f kB gzipped (%.1f kB raw); target < 250 kB", gzipped / 1e3, raw / 1e3
    )

    with scratch_database("bench_web") as url:
        seed(url, args.cars)
        engine = make_engine(url)
        with Session(engine) as session:
            upsert_admin("bench", PASSWORD, session=session)
            session.commit()
        engine.dispose()
        log_dir = Path(tempfile.mkdtemp())
        with serve(Build("web", ROOT), url, log_dir, secrets.token_urlsafe(32)) as server:
            paints, fetches = measure(f"http://127.0.0.1:{server.port}", args.loads)
    paint, fetch = statistics.median(paints), statistics.median(fetches)
    logger.info(
        "navigation -> first table row painted: median %.0f ms over %d loads (min %.0f, max %.0f);"
        " target < 1000 ms",
        *(paint, len(paints), min(paints), max(paints)),
    )
    logger.info("the table's data request alone (fetch): median %.1f ms", fetch)
    logger.info("first paint / data request: %.1fx", paint / fetch)


def measure(base_url: str, loads: int) -> tuple[list[float], list[float]]:
    """Per load: ms from navigation start to the first row painted, and the data fetch alone."""
    paints, fetches = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill("bench")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_test_id("car-row").first.wait_for()
        context.add_init_script(FIRST_ROW)
        for _ in range(loads + 1):  # the first load warms the caches and is not counted
            page.goto("/")
            # Polled over DevTools: wait_for_function's in-page poller breaks the app's CSP.
            # The paint time itself is stamped in the page, so the polling does not skew it.
            while page.evaluate("window.__firstRowPaint === undefined"):
                page.wait_for_timeout(20)
            paints.append(page.evaluate("window.__firstRowPaint"))
            fetches.append(page.evaluate(FETCH_ROWS))
        browser.close()
    return paints[1:], fetches[1:]


if __name__ == "__main__":
    main()
