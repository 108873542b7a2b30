"""The scheduler against two real scrapyd nodes, PostgreSQL and the replay site."""

import logging
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core import crawls
from core.db import make_engine, session_factory
from core.models import Car, CarMarket, CrawlRun, ExchangeRate, utcnow
from core.settings import Settings
from crawler import scheduler
from replay import ROOT
from replay.crawl import TEST_SETTINGS, crawl_env
from replay.ports import free_port
from replay.scrapyd_nodes import running_nodes
from replay.site import FakeCar, Fault, ReplaySite, make_catalog
from tests.conftest import RatesFeed
from tests.factories import listing, store

# No stats file: the runs' counts must come from the crawls' own reports into crawl_runs.
SETTINGS = TEST_SETTINGS | {"AUTOTHROTTLE_ENABLED": "False", "CRAWL_REPORT_INTERVAL": "0.5"}
# A lost or failed run is retried after 3 s here (5 min by default).
POLICY = crawls.Policy(
    interval=timedelta(hours=1),
    retry_delays=(timedelta(seconds=3),),
    site_rate=0,
    settings=SETTINGS,
)


def test_egg_carries_core(egg: Path) -> None:
    """The crawler imports core, so the egg ships both, with Scrapy's settings entry point."""
    with zipfile.ZipFile(egg) as archive:
        names = archive.namelist()
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert "core/models.py" in names
    assert "crawler/spiders/carsensor.py" in names
    assert "settings = crawler.settings" in entry_points


@pytest.fixture
def catalog() -> list[FakeCar]:
    """240 cars over every maker the replay site knows."""
    return make_catalog(240, seed=61)


def runs(engine: Engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def tick(
    engine: Engine, cluster: crawls.Cluster, shards: list[str], policy: crawls.Policy
) -> list[CrawlRun]:
    """One scheduling round, committed as the scheduler commits it."""
    with Session(engine, expire_on_commit=False) as session:
        started = crawls.tick(cluster, shards, policy, session=session)
        session.commit()
    return started


def assert_one_active_run_per_shard(engine: Engine) -> None:
    active = Counter(run.shard for run in runs(engine) if run.status in crawls.ACTIVE)
    assert all(count == 1 for count in active.values()), active


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_shards_spread_and_survive_a_dead_node(
    db_url: str, egg: Path, catalog: list[FakeCar], tmp_path: Path
) -> None:
    """Two nodes share the shards; when one dies, its shards move and every car is stored."""
    shards = sorted({car.make_code for car in catalog})
    per_shard = Counter(car.make_code for car in catalog)
    engine = make_engine(db_url)
    with (
        ReplaySite(catalog) as site,
        running_nodes(tmp_path, crawl_env(db_url, site.base_url), egg, 2) as (alive, doomed),
    ):
        cluster = crawls.Cluster(nodes=(alive.url, doomed.url), timeout=5)

        def tick_once() -> list[CrawlRun]:
            started = tick(engine, cluster, shards, POLICY)
            assert_one_active_run_per_shard(engine)
            return started

        first = tick_once()
        assert sorted(run.shard for run in first) == shards
        assert Counter(run.node for run in first) == {
            alive.url: len(shards) // 2 + len(shards) % 2,
            doomed.url: len(shards) // 2,
        }
        # Nothing is due while every shard is pending or running.
        assert tick_once() == []

        deadline = time.monotonic() + 30
        while not doomed.jobs()["running"]:
            assert time.monotonic() < deadline, doomed.output()
            time.sleep(0.2)
        doomed.kill()

        # Lost, and retried by backoff: not at once, nor after the whole interval.
        assert tick_once() == []
        lost = [run for run in runs(engine) if run.status == "lost"]
        assert lost and all(run.node == doomed.url for run in lost)
        moved: list[CrawlRun] = []
        deadline = time.monotonic() + 30
        while len(moved) < len(lost):
            assert time.monotonic() < deadline, [run.shard for run in moved]
            time.sleep(0.2)
            moved += tick_once()
        assert sorted(run.shard for run in moved) == sorted(run.shard for run in lost)
        assert all(run.node == alive.url for run in moved)

        deadline = time.monotonic() + 120
        while any(run.status in crawls.ACTIVE for run in runs(engine)):
            assert time.monotonic() < deadline, alive.output()
            time.sleep(1)
            tick_once()

    final = runs(engine)
    finished = [run for run in final if run.status == "finished"]
    # Each shard finished exactly once; its counts come from the crawl's own stats.
    assert sorted(run.shard for run in finished) == shards, [
        (run.shard, run.node, run.status) for run in final
    ]
    for run in finished:
        assert run.items_stored == run.listings_new == per_shard[run.shard], run.shard
        assert (run.items_dropped, run.errors) == (0, 0), run.shard
        assert run.pages_crawled == run.pages_expected and crawls.progress(run).percent == 100
        assert run.started_at is not None and run.finished_at is not None
        assert run.started_at <= run.finished_at
    with engine.connect() as conn:
        stored = dict(
            conn.execute(select(Car.make_code, func.count()).group_by(Car.make_code)).all()
        )
    engine.dispose()
    assert stored == dict(per_shard)


def test_scheduler_once_with_every_node_down(tmp_path: Path) -> None:
    """`python -m crawler.scheduler --once` logs the dead node, records nothing and exits 0."""
    database = tmp_path / "cars.db"
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "SCRAPYD_URLS": f"http://127.0.0.1:{free_port()}",
        "CRAWL_SHARDS": "TO,NI",
    }
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "crawler.scheduler", "--once"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "scrapyd node down" in done.stderr
    assert "no live scrapyd node; TO waits for the next tick" in done.stderr
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        assert session.scalars(select(CrawlRun)).all() == []
    engine.dispose()


def test_an_active_shard_is_never_claimed_twice(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """The partial unique index stops a second run of a shard before scrapyd is called."""
    caplog.set_level(logging.INFO, logger="core.crawls")
    session.add(CrawlRun(shard="TO", node="http://other:6800", job_id="TO-1", status="running"))
    session.commit()
    dead = f"http://127.0.0.1:{free_port()}"
    started = crawls.start_shards(
        crawls.Cluster(nodes=(dead,), timeout=2), ["TO"], {dead: 0}, POLICY, session=session
    )
    assert started == []
    assert "TO is already pending or running" in caplog.text
    assert "could not schedule" not in caplog.text
    assert [(run.job_id, run.status) for run in session.scalars(select(CrawlRun))] == [
        ("TO-1", "running")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_grouped_shard_and_an_incomplete_run_are_recorded_as_such(
    db_url: str, egg: Path, catalog: list[FakeCar], tmp_path: Path
) -> None:
    """NI+HO runs as one job, each maker under its own list; a captcha makes TO incomplete."""
    captcha = (Path(__file__).parents[1] / "crawler" / "pages" / "block_captcha.html").read_text()
    engine = make_engine(db_url)
    with ReplaySite(catalog) as site:
        # The first answer and LIST_ANOMALY_RETRY_TIMES retries, and spares for timeouts' retries.
        for _ in range(12):
            site.add_fault("/usedcar/bTO/index.html", Fault(body=captcha))
        env = crawl_env(db_url, site.base_url)
        with running_nodes(tmp_path, env, egg) as (node,):
            cluster = crawls.Cluster(nodes=(node.url,), timeout=5)
            deadline = time.monotonic() + 120
            while True:
                tick(engine, cluster, ["TO", "NI+HO"], POLICY)
                done = runs(engine)
                if done and not any(run.status in crawls.ACTIVE for run in done):
                    break
                assert time.monotonic() < deadline, node.output()
                time.sleep(1)
    by_shard = {run.shard: run for run in runs(engine)}
    assert by_shard["TO"].status == "incomplete"
    assert by_shard["TO"].reason is not None
    assert by_shard["TO"].reason.startswith("TO: empty_page on page 1")
    assert by_shard["NI+HO"].status == "finished" and by_shard["NI+HO"].reason is None
    assert by_shard["NI+HO"].job_id.startswith("NI-HO-")
    with engine.connect() as conn:
        stored = dict(
            conn.execute(select(Car.make_code, func.count()).group_by(Car.make_code)).all()
        )
    engine.dispose()
    per_maker = Counter(car.make_code for car in catalog)
    assert stored == {"NI": per_maker["NI"], "HO": per_maker["HO"]}


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_list_pages_first_then_the_details_backfill_with_progress(
    db_url: str, egg: Path, tmp_path: Path
) -> None:
    """List shards store every listing from list pages alone, reporting a percent as they go;
    only then does the backfill fetch detail pages, newest first, a budget per run, and it runs
    again while it used its whole budget."""
    cars = [car for car in make_catalog(400, seed=5) if car.make_code in ("TO", "NI")]
    budget = len(cars) - 5
    # 15 requests/s: slow enough that a 0.5 s report shows a run part-way.
    policy = replace(POLICY, details=True, details_budget=budget, site_rate=15)
    engine = make_engine(db_url)
    percents: set[float] = set()

    def drained() -> bool:
        done = runs(engine)
        backfills = [r.pages_expected for r in done if r.shard == crawls.DETAILS]
        idle = not any(run.status in crawls.ACTIVE for run in done)
        return idle and any(expected is not None and expected < budget for expected in backfills)

    with ReplaySite(cars) as site:
        env = crawl_env(db_url, site.base_url)
        with running_nodes(tmp_path, env, egg, max_proc=3) as (node,):
            cluster = crawls.Cluster(nodes=(node.url,), timeout=5)
            deadline = time.monotonic() + 180
            while not drained():
                tick(engine, cluster, ["TO", "NI"], policy)
                percents |= {
                    percent
                    for run in runs(engine)
                    if run.status == "running"
                    and (percent := crawls.progress(run).percent) is not None
                }
                assert time.monotonic() < deadline, node.output()
                time.sleep(0.3)
    done = runs(engine)
    assert [(run.shard, run.status) for run in done] == [
        ("TO", "finished"), ("NI", "finished"),
        (crawls.DETAILS, "finished"), (crawls.DETAILS, "finished"),
    ]  # fmt: skip
    lists, backfills = done[:2], done[2:]
    assert [run.details_fetched for run in lists] == [0, 0]
    assert sum(run.listings_new or 0 for run in lists) == len(cars)
    assert [run.details_fetched for run in backfills] == [budget, 5]
    assert [run.pages_expected for run in backfills] == [budget, 5]
    assert any(0 < percent < 100 for percent in percents), percents
    # The backfill started once the list shards had finished, and every detail request came
    # after the last list page request.
    assert backfills[0].created_at >= max(run.finished_at for run in lists if run.finished_at)
    requests = list(zip(site.requests, site.times, strict=True))
    last_list = max(t for path, t in requests if path.startswith(("/usedcar/bTO", "/usedcar/bNI")))
    assert min(t for path, t in requests if "/detail/" in path) > last_list
    assert site.count("/usedcar/detail/") == len(cars)
    # Newest first: the second run fetched the five listings stored first.
    with engine.connect() as conn:
        order = conn.execute(
            select(Car.first_seen_at, Car.detail_fetched_at).order_by(Car.detail_fetched_at)
        ).all()
    engine.dispose()
    first_run, second_run = order[:budget], order[budget:]
    assert max(seen for seen, _ in second_run) <= min(seen for seen, _ in first_run)


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_killed_crawl_fails_and_is_retried_by_backoff(
    db_url: str, egg: Path, catalog: list[FakeCar], tmp_path: Path
) -> None:
    """SIGKILL to a running crawl: no final report, so the run is failed with that reason; the
    shard is not started again at once, but after the backoff, and then finishes."""
    policy = replace(POLICY, site_rate=4)  # slow enough to be caught running
    engine = make_engine(db_url)
    with ReplaySite(catalog) as site:
        env = crawl_env(db_url, site.base_url)
        with running_nodes(tmp_path, env, egg) as (node,):
            cluster = crawls.Cluster(nodes=(node.url,), timeout=5)

            def tick_once() -> list[CrawlRun]:
                return tick(engine, cluster, ["all"], policy)

            assert [run.shard for run in tick_once()] == ["all"]
            deadline = time.monotonic() + 30
            while not (running := node.jobs()["running"]):
                assert time.monotonic() < deadline, node.output()
                time.sleep(0.2)
            os.kill(int(running[0]["pid"]), signal.SIGKILL)
            while node.jobs()["running"]:
                assert time.monotonic() < deadline, node.output()
                time.sleep(0.2)
            assert tick_once() == []
            (killed,) = runs(engine)
            assert killed.status == "failed"
            assert (
                killed.reason == "the crawl ended without its final report (killed, or it crashed)"
            )
            deadline = time.monotonic() + 30
            while not tick_once():
                assert time.monotonic() < deadline, node.output()
                time.sleep(0.2)
            deadline = time.monotonic() + 120
            while any(run.status in crawls.ACTIVE for run in runs(engine)):
                assert time.monotonic() < deadline, node.output()
                time.sleep(0.5)
                tick_once()
    final = runs(engine)
    engine.dispose()
    assert [run.status for run in final] == ["failed", "finished"]
    assert final[1].items_scraped == len(catalog)


def test_the_scheduler_reads_the_rates_feed_once_a_day_and_outlives_its_outage(
    db_url: str, session: Session, rates_feed: RatesFeed, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    try:
        assert scheduler.refresh_rates(Settings(database_url=db_url), sessions)  # no feed set
        assert rates_feed.calls == 0
        settings = Settings(database_url=db_url, rates_feed_url=rates_feed.url)
        assert scheduler.refresh_rates(settings, sessions)
        assert scheduler.refresh_rates(settings, sessions)  # fresh: not read again
        assert rates_feed.calls == 1
        session.execute(update(ExchangeRate).values(fetched_at=utcnow() - timedelta(days=2)))
        session.commit()
        rates_feed.status = 502
        with caplog.at_level(logging.WARNING, logger="crawler.scheduler"):
            assert not scheduler.refresh_rates(settings, sessions)
        assert "exchange rates not refreshed" in caplog.text and rates_feed.calls == 2
        kept = session.scalars(select(ExchangeRate.yen_per_unit).order_by("currency")).all()
        assert kept == [200.0, 2.0, 160.0]  # EUR, RUB, USD from the first read
    finally:
        engine.dispose()


def test_the_scheduler_revalues_the_cars_after_a_crawl_that_changed_listings(
    db_url: str, session: Session
) -> None:
    store(session, *(listing(f"V{n}", mileage_km=30_000 + n * 500) for n in range(8)))
    settings = Settings(database_url=db_url, market_min_comparables=5)
    engine = make_engine(db_url)
    sessions = session_factory(engine)

    def valued() -> int:
        session.expire_all()
        priced = CarMarket.market_price_jpy.is_not(None)
        return session.scalar(select(func.count()).where(priced)) or 0

    try:
        seen = scheduler.revalue(settings, sessions, None)  # at start: at once
        assert seen is not None and valued() == 8
        session.execute(update(CarMarket).values(market_price_jpy=None))
        session.commit()
        # Nothing crawled:
        assert scheduler.revalue(settings, sessions, seen) == seen and valued() == 0
        ended = utcnow()
        session.add(
            CrawlRun(
                shard="manual",
                node="n",
                job_id="m1",
                status="finished",
                outcome="finished",
                progress_at=ended,
                listings_unchanged=8,
            )
        )
        session.commit()  # fmt: skip
        # Nothing changed:
        assert scheduler.revalue(settings, sessions, seen) == seen and valued() == 0
        session.add(
            CrawlRun(
                shard="manual",
                node="n",
                job_id="m2",
                status="finished",
                outcome="finished",
                progress_at=ended,
                listings_changed=1,
            )
        )
        session.commit()  # fmt: skip
        assert scheduler.revalue(settings, sessions, seen) == ended and valued() == 8
    finally:
        engine.dispose()
