"""The scheduler against two real scrapyd nodes, PostgreSQL and the replay site."""

import logging
import os
import subprocess
import sys
import time
import zipfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core import crawls
from core.db import make_engine
from core.models import Car, CrawlRun
from tests.crawler.crawl_helpers import ROOT, TEST_SETTINGS
from tests.fakes.carsensor_site import FakeCar, Fault, ReplaySite, make_catalog
from tests.fakes.ports import free_port
from tests.scrapyd_nodes import Node, deploy

# No stats file, no politeness delays: the runs' counts must come from the scrapyd logs.
SETTINGS = TEST_SETTINGS | {"AUTOTHROTTLE_ENABLED": "False"}


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
    nodes: list[Node] = []
    with ReplaySite(catalog) as site:
        env = os.environ | {"DATABASE_URL": db_url, "CARSENSOR_BASE_URL": site.base_url}
        try:
            nodes = [Node(tmp_path / name, env) for name in ("a", "b")]
            for node in nodes:
                node.wait_ready()
                deploy(egg, node)
            alive, doomed = nodes
            cluster = crawls.Cluster(nodes=(alive.url, doomed.url), timeout=5)

            def tick() -> list[CrawlRun]:
                with Session(engine, expire_on_commit=False) as session:
                    started = crawls.tick(
                        cluster, shards, timedelta(hours=1), session=session, settings=SETTINGS
                    )
                assert_one_active_run_per_shard(engine)
                return started

            first = tick()
            assert sorted(run.shard for run in first) == shards
            assert Counter(run.node for run in first) == {
                alive.url: len(shards) // 2 + len(shards) % 2,
                doomed.url: len(shards) // 2,
            }
            # Nothing is due while every shard is pending or running.
            assert tick() == []

            deadline = time.monotonic() + 30
            while not doomed.jobs()["running"]:
                assert time.monotonic() < deadline, doomed.output()
                time.sleep(0.2)
            doomed.kill()

            moved = tick()
            lost = [run for run in runs(engine) if run.status == "lost"]
            assert lost and all(run.node == doomed.url for run in lost)
            assert sorted(run.shard for run in moved) == sorted(run.shard for run in lost)
            assert all(run.node == alive.url for run in moved)

            deadline = time.monotonic() + 120
            while any(run.status in crawls.ACTIVE for run in runs(engine)):
                assert time.monotonic() < deadline, alive.output()
                time.sleep(1)
                tick()
        finally:
            for node in nodes:
                node.kill()

    final = runs(engine)
    finished = [run for run in final if run.status == "finished"]
    # Each shard finished exactly once; its counts come from the crawl's own stats.
    assert sorted(run.shard for run in finished) == shards, [
        (run.shard, run.node, run.status) for run in final
    ]
    for run in finished:
        assert run.items_stored == per_shard[run.shard], run.shard
        assert (run.items_dropped, run.errors) == (0, 0), run.shard
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


def test_parse_stats() -> None:
    """Integer stats come out of Scrapy's final dump; floats and datetimes are skipped."""
    log = (
        "2026-11-25 INFO: Dumping Scrapy stats:\n"
        "{'elapsed_time_seconds': 3.25,\n 'finish_time': datetime.datetime(2026, 11, 25, 0, 1),\n"
        " 'item_dropped_count': 2,\n 'log_count/ERROR': 1,\n 'store/items_stored': 40}\n"
        "2026-11-25 INFO: Spider closed (finished)\n"
    )
    assert crawls.parse_stats(log) == {
        "item_dropped_count": 2, "log_count/ERROR": 1, "store/items_stored": 40
    }  # fmt: skip
    assert crawls.parse_stats("no dump") == {}


def test_an_active_shard_is_never_claimed_twice(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """The partial unique index stops a second run of a shard before scrapyd is called."""
    caplog.set_level(logging.INFO, logger="core.crawls")
    session.add(CrawlRun(shard="TO", node="http://other:6800", job_id="TO-1", status="running"))
    session.commit()
    dead = f"http://127.0.0.1:{free_port()}"
    started = crawls.start_shards(
        crawls.Cluster(nodes=(dead,), timeout=2), ["TO"], {dead: 0}, session=session
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
        env = os.environ | {"DATABASE_URL": db_url, "CARSENSOR_BASE_URL": site.base_url}
        node = Node(tmp_path / "a", env)
        try:
            node.wait_ready()
            deploy(egg, node)
            cluster = crawls.Cluster(nodes=(node.url,), timeout=5)
            deadline = time.monotonic() + 120
            while True:
                with Session(engine, expire_on_commit=False) as session:
                    crawls.tick(
                        cluster, ["TO", "NI+HO"], timedelta(hours=1), session=session,
                        settings=SETTINGS | {"LIST_ANOMALY_BACKOFF": "0.05"},
                    )  # fmt: skip
                done = runs(engine)
                if done and not any(run.status in crawls.ACTIVE for run in done):
                    break
                assert time.monotonic() < deadline, node.output()
                time.sleep(1)
        finally:
            node.kill()
    by_shard = {run.shard: run for run in runs(engine)}
    assert by_shard["TO"].status == "incomplete"
    assert by_shard["TO"].reason is not None
    assert by_shard["TO"].reason.startswith("crawl incomplete: TO: empty_page on page 1")
    assert by_shard["NI+HO"].status == "finished" and by_shard["NI+HO"].reason is None
    assert by_shard["NI+HO"].job_id.startswith("NI-HO-")
    with engine.connect() as conn:
        stored = dict(
            conn.execute(select(Car.make_code, func.count()).group_by(Car.make_code)).all()
        )
    engine.dispose()
    per_maker = Counter(car.make_code for car in catalog)
    assert stored == {"NI": per_maker["NI"], "HO": per_maker["HO"]}
