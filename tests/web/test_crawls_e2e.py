"""Crawl runs in the web app, end to end: an admin's "Crawl now" on a real scrapyd node.

The API (create_app, serving web/dist) is configured with one scrapyd node that runs the deployed
crawler egg against the replay site, writing to the same database (PostgreSQL, and SQLite in WAL
mode). A scheduler loop in a thread brings the runs up to date from the node every half second,
as `python -m crawler.scheduler` does, so the page sees them go from pending to finished.
TestReportedRuns seeds runs with the counters crawls report instead, to check how they show.
"""

import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from api.app import create_app
from api.security import hash_password
from core import crawls
from core.db import make_engine
from core.models import CrawlRun, User, utcnow
from replay.scrapyd_nodes import Node, deploy
from replay.site import ReplaySite, make_catalog
from tests.web.support import (
    PASSWORD,
    e2e_settings,
    fresh_database,
    require_built_app,
    seeded_site,
    serve,
    shot,
    wait_until,
)

require_built_app()

pytestmark = pytest.mark.slow  # real crawls in scrapyd's subprocesses

logger = logging.getLogger(__name__)

# Three makers, so a crawl is three scrapyd jobs of a few seconds each (the crawler's own
# politeness delay of 1 s per request applies: the API starts crawls with the project settings).
SHARDS = ("TO", "HO", "NI")
CATALOG = [car for car in make_catalog(200, seed=17) if car.make_code in SHARDS][:24]
PER_SHARD = Counter(car.make_code for car in CATALOG)


@dataclass
class Platform:
    """The API's base URL and the node it schedules on."""

    base_url: str
    node: Node


def seed_users(url: str) -> None:
    """An admin, who may start crawls, and a member of staff, who may not."""
    engine = make_engine(url)
    with Session(engine) as session:
        password_hash = hash_password(PASSWORD)
        session.add(User(username="admin", password_hash=password_hash, is_admin=True))
        session.add(User(username="staff", password_hash=password_hash, is_admin=False))
        session.commit()
    engine.dispose()


def keep_runs_fresh(url: str, cluster: crawls.Cluster, stop: threading.Event) -> None:
    """The scheduler's refresh half, every 0.5 s: run states, progress, and the final counts."""
    engine = make_engine(url)
    try:
        while not stop.wait(0.5):
            try:
                with Session(engine) as session:
                    crawls.refresh_runs(cluster, crawls.node_loads(cluster), session=session)
                    session.commit()
            except Exception:  # e.g. SQLite busy: the next round tries again
                logger.exception("refreshing the runs failed")
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, egg: Path
) -> Iterator[Platform]:
    """Database, replay site, one scrapyd node with the egg, the scheduler loop and the API."""
    with (
        fresh_database(request, tmp_path_factory, request.param) as url,
        ReplaySite(CATALOG) as site,
    ):
        seed_users(url)
        env = os.environ | {"DATABASE_URL": url, "CARSENSOR_BASE_URL": site.base_url}
        node = Node(tmp_path_factory.mktemp("scrapyd") / "node", env, max_proc=len(SHARDS))
        stop = threading.Event()
        scheduler: threading.Thread | None = None
        try:
            node.wait_ready()
            deploy(egg, node)
            settings = e2e_settings(url, scrapyd_urls=[node.url], crawl_shards=list(SHARDS))
            cluster = crawls.cluster_from(settings)
            scheduler = threading.Thread(
                target=keep_runs_fresh, args=(url, cluster, stop), daemon=True
            )
            scheduler.start()
            with serve(create_app(settings)) as base_url:
                yield Platform(base_url, node)
        finally:
            stop.set()
            if scheduler is not None:
                scheduler.join(10)
            node.kill()


@pytest.fixture(scope="module")
def base_url(platform: Platform) -> str:
    """The API serving the web app (the `page` fixture opens it)."""
    return platform.base_url


def sign_in(page: Any, username: str) -> None:
    """Sign in on the way to /crawls; back there once the runs (or their absence) show."""
    page.goto("/crawls")
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/crawls$"))
    page.locator('[data-testid="runs-table"], [data-testid="runs-empty"]').first.wait_for()


def statuses(page: Any) -> dict[str, str]:
    """Shard → status of the listed runs."""
    return dict(
        page.eval_on_selector_all(
            '[data-testid="run-row"]', "rows => rows.map(r => [r.dataset.shard, r.dataset.status])"
        )
    )


def api_token(base_url: str, username: str) -> str:
    request = urllib.request.Request(
        f"{base_url}/api/login",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        token: str = json.load(response)["access_token"]
        return token


def test_admin_crawls_now_and_watches_the_runs_finish(page: Any, platform: Platform) -> None:
    sign_in(page, "admin")
    status = page.get_by_test_id("crawl-status")
    assert status.inner_text().strip() == "Last crawl: never"
    assert "No crawls yet" in page.get_by_test_id("runs-empty").inner_text()
    shot(page, "crawls-empty")

    page.get_by_test_id("crawl-now").click()
    notice = page.get_by_test_id("crawl-notice")
    notice.wait_for()
    assert notice.inner_text().startswith(f"Started {len(SHARDS)} crawl jobs: ")
    wait_until(page, f"document.querySelectorAll('[data-testid=run-row]').length === {len(SHARDS)}")
    assert set(statuses(page)) == set(SHARDS)
    assert all(node == platform.node.url.removeprefix("http://") for node in
               page.locator("td.col-node").all_inner_texts())  # fmt: skip
    assert re.fullmatch(r"Crawling… [123] shards?", status.inner_text().strip())

    # Again while they run: every shard is busy, so the API says 409 and the page says why.
    page.get_by_test_id("crawl-now").click()
    page.get_by_text("A crawl is already running").wait_for()

    # The list refreshes every few seconds while runs are active, with the running runs'
    # progress (pages and items, from the crawl's log), until each has finished.
    seen: set[str] = set()
    progress: list[str] = []
    deadline = time.monotonic() + 120
    while True:
        current = statuses(page)
        seen.update(current.values())
        running = page.locator('[data-testid="run-row"][data-status="running"]')
        figures = running.get_by_test_id("run-figures").all_inner_texts()
        shown = [t for t in figures if re.fullmatch(r"\d+( of \d+)? pages? · \d+ listings?.*", t)]
        moving = [text for text in shown if not text.startswith("0 ")]
        if (shown and not progress) or (moving and not any(p[0] != "0" for p in progress)):
            shot(page, "crawls-running")  # the first progress, then the first above zero
        progress += shown
        if current and all(value in ("finished", "failed", "lost") for value in current.values()):
            break
        assert time.monotonic() < deadline, (current, platform.node.output()[-3000:])
        page.wait_for_timeout(250)
    assert current == dict.fromkeys(SHARDS, "finished"), platform.node.output()[-3000:]
    assert "running" in seen
    assert progress, "no progress shown while running"
    assert page.get_by_test_id("crawl-notice").count() == 0  # old news once the runs are over
    for shard in SHARDS:
        row = page.locator(f'[data-testid="run-row"][data-shard="{shard}"]')
        figures = row.get_by_test_id("run-figures").inner_text()
        assert figures == f"{PER_SHARD[shard]} stored · 0 dropped · 0 errors", (shard, figures)
        assert re.fullmatch(r"\d+ s|\d+ min \d\d s", row.locator("td.col-duration").inner_text())
    wait_until(
        page, "document.querySelector('[data-testid=crawl-status]').innerText.includes('finished')"
    )
    assert status.inner_text().strip() == "Last crawl: just now · finished"
    assert page.get_by_test_id("runs-summary").inner_text() == "idle"
    shot(page, "crawls")

    page.set_viewport_size({"width": 390, "height": 844})
    wait_until(page, "document.documentElement.scrollWidth <= 390")
    shot(page, "crawls-phone")

    # The header link leads back to the cars, which the crawl stored.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Carsensor stock").click()
    page.get_by_test_id("car-row").first.wait_for()
    assert page.get_by_test_id("total").inner_text() == f"{len(CATALOG)} cars"
    status.click()  # and the crawl status to the runs
    page.wait_for_url(re.compile(r"/crawls$"))
    page.get_by_test_id("run-row").first.wait_for()  # the page loads its runs anew
    assert page.get_by_test_id("run-row").count() == len(SHARDS)


def test_staff_see_the_runs_but_cannot_start_one(page: Any, platform: Platform) -> None:
    sign_in(page, "staff")
    assert page.get_by_test_id("crawl-status").is_visible()
    assert page.get_by_test_id("runs-refresh").is_visible()
    assert page.get_by_test_id("crawl-now").count() == 0
    request = urllib.request.Request(
        f"{platform.base_url}/api/crawls",
        method="POST",
        headers={"Authorization": f"Bearer {api_token(platform.base_url, 'staff')}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403


def test_crawl_now_explains_a_down_node_and_keyboard_works(page: Any) -> None:
    sign_in(page, "admin")

    held: list[Any] = []

    def hold_post(route: Any) -> None:
        if route.request.method == "POST":
            held.append(route)  # answered below, once the button is seen disabled
        else:
            route.continue_()

    page.route("**/api/crawls", hold_post)
    button = page.get_by_test_id("crawl-now")
    button.focus()
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('[data-testid=crawl-now]').disabled")
    assert button.inner_text().strip() == "Starting…"
    assert len(held) == 1
    held[0].fulfill(
        status=503,
        headers={"Content-Type": "application/json"},
        body='{"detail": "No scrapyd node is reachable"}',
    )
    notice = page.get_by_test_id("crawl-notice")
    notice.wait_for()
    assert notice.inner_text() == (
        "No scrapyd node is reachable. Check that scrapyd is running, then try again."
    )
    assert button.is_enabled()


CHECKS = ("Finish reason", "Errors", "Completeness", "Fill rates")
FAILED_CHECKS = [
    {"name": "Finish reason", "ok": True, "detail": None},
    {"name": "Errors", "ok": True, "detail": None},
    {"name": "Completeness", "ok": False, "detail": "NI: empty_page on page 3"},
    {"name": "Fill rates", "ok": False, "detail": "model: 2% (was 98% in run 41)"},
]


def seed_reported_runs(url: str) -> None:
    """The users, and runs as their crawls report them: one running, two that have ended."""
    seed_users(url)
    started = utcnow() - timedelta(minutes=10)
    engine = make_engine(url)
    with Session(engine) as session:
        # An old run whose checks failed, then 20 runs, so GET /api/crawls no longer lists it.
        session.add(
            CrawlRun(
                shard="NI", node="http://n1:6800", job_id="NI-1", status="finished",
                started_at=started - timedelta(days=1), finished_at=started - timedelta(days=1),
                items_stored=300, items_dropped=0, errors=0, monitors=FAILED_CHECKS,
            )
        )  # fmt: skip
        session.add_all(
            CrawlRun(shard=f"F{n}", node="http://n1:6800", job_id=f"F{n}-1", status="finished")
            for n in range(20)
        )
        # 120 of 285 pages in the 50 s to its last report: 2.4 pages/s, 69 s for the 165 left.
        session.add(
            CrawlRun(
                shard="TO", node="http://n1:6800", job_id="TO-1", status="running",
                started_at=started, progress_at=started + timedelta(seconds=50),
                pages_crawled=120, pages_expected=285, items_scraped=3600, listings_new=4,
            )
        )  # fmt: skip
        session.add(
            CrawlRun(
                shard="HO", node="http://n1:6800", job_id="HO-1", status="finished",
                started_at=started, finished_at=started + timedelta(minutes=4),
                progress_at=started + timedelta(minutes=4), pages_crawled=31, pages_expected=31,
                items_scraped=952, items_stored=952, items_dropped=0, errors=0, listings_new=12,
                listings_changed=30, listings_unchanged=900, listings_gone=8,
                listings_reappeared=2, details_fetched=12, details_failed=0,
                monitors=[{"name": name, "ok": True, "detail": None} for name in CHECKS],
            )
        )  # fmt: skip
        session.add(
            CrawlRun(
                shard="details", node="http://n1:6800", job_id="details-1", status="finished",
                started_at=started, finished_at=started + timedelta(minutes=2), items_stored=40,
                items_dropped=0, errors=0, details_fetched=40, details_failed=2,
            )
        )  # fmt: skip
        session.commit()
    engine.dispose()


class TestReportedRuns:
    """The runs list over seeded runs, with no scrapyd node: progress and listing counts."""

    @pytest.fixture(scope="class", params=["postgresql", "sqlite"])
    @classmethod
    def base_url(
        cls, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[str]:
        """The API over the seeded runs; `page` opens it instead of the module's platform."""
        with seeded_site(request, tmp_path_factory, request.param, seed_reported_runs) as base:
            yield base

    def test_a_running_run_shows_its_percent_and_ended_runs_their_counts(self, page: Any) -> None:
        sign_in(page, "staff")
        row = {
            shard: page.locator(f'[data-testid="run-row"][data-shard="{shard}"]')
            for shard in ("TO", "HO", "details")
        }
        running = row["TO"]
        assert running.get_by_test_id("run-percent").inner_text() == "42%"
        bar = running.get_by_role("progressbar")
        assert bar.get_attribute("aria-valuenow") == "42.1"
        assert running.get_by_test_id("run-figures").inner_text() == (
            "120 of 285 pages · 3,600 listings · 2.4 pages/s · ETA 1 min 09 s"
        )
        assert running.get_by_test_id("run-listings").inner_text() == "4 new"

        finished = row["HO"]
        assert finished.get_by_test_id("run-percent").count() == 0
        assert finished.get_by_test_id("run-figures").inner_text() == (
            "952 stored · 0 dropped · 0 errors"
        )
        assert finished.get_by_test_id("run-listings").inner_text() == (
            "12 new · 30 changed · 900 unchanged · 8 gone · 2 reappeared"
        )
        assert (
            finished.get_by_test_id("run-details").inner_text() == "Details: 12 fetched · 0 failed"
        )
        mix = finished.get_by_role("img", name="Listings: 12 new, 30 changed, 8 gone")
        assert mix.get_attribute("title") == "Listings: 12 new, 30 changed, 8 gone"
        # The stacked bar's parts are in proportion: 12, 30 and 8 of 50.
        widths = mix.evaluate("m => [...m.children].map(c => c.getBoundingClientRect().width)")
        assert [round(100 * width / sum(widths)) for width in widths] == [24, 60, 16]

        backfill = row["details"]
        assert backfill.locator("th").inner_text().strip() == "details Details backfill"
        assert (
            backfill.get_by_test_id("run-details").inner_text() == "Details: 40 fetched · 2 failed"
        )
        assert backfill.get_by_test_id("run-mix").count() == 0
        shot(page, "crawls-progress")

        page.set_viewport_size({"width": 390, "height": 844})
        wait_until(page, "document.documentElement.scrollWidth <= 390")
        shot(page, "crawls-progress-phone")

    def test_checks_show_green_or_red_and_an_alerts_link_finds_its_run(self, page: Any) -> None:
        sign_in(page, "staff")
        passed = page.locator('[data-testid="runs-table"] [data-shard="HO"]')
        badge = passed.get_by_test_id("run-checks")
        assert (badge.inner_text(), badge.get_attribute("data-ok")) == (
            "✓ All 4 checks passed", "true"
        )  # fmt: skip
        assert page.locator('[data-testid="runs-table"] [data-shard="NI"]').count() == 0

        page.goto("/crawls?run=NI-1")  # as the alert's link opens it
        linked = page.get_by_test_id("linked-run").locator('[data-shard="NI"]')
        linked.wait_for()
        assert linked.get_attribute("aria-current") == "true"
        badge = linked.get_by_test_id("run-checks")
        assert (badge.inner_text(), badge.get_attribute("data-ok")) == (
            "✗ 2 of 4 checks failed", "false"
        )  # fmt: skip
        assert linked.get_by_test_id("run-failures").inner_text().splitlines() == [
            "Completeness: NI: empty_page on page 3",
            "Fill rates: model: 2% (was 98% in run 41)",
        ]
        shot(page, "crawls-failed-run")

        page.goto("/crawls?run=HO-1")  # a listed run is marked where it stands
        listed = page.locator('[data-testid="runs-table"] [data-shard="HO"]')
        listed.wait_for()
        assert listed.get_attribute("aria-current") == "true"
        page.goto("/crawls?run=XX-404")
        assert "No crawl run XX-404" in page.get_by_test_id("linked-missing").inner_text()
