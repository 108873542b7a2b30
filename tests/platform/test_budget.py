"""The site-wide request budget across two real scrapyd nodes sharing one PostgreSQL."""

import math
import re
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import crawls
from core.db import make_engine
from core.models import Car, CrawlRun
from replay.crawl import TEST_SETTINGS, crawl_env
from replay.scrapyd_nodes import Node, running_nodes
from replay.site import ReplaySite, make_catalog

RATE = 15
WINDOW = 2.0
MAKES = ("TO", "NI", "MA", "HO")


def job_log(node: Node, job: str) -> str:
    """The scrapyd log of a finished job."""
    path = node.home / "var" / "scrapyd" / "logs" / crawls.PROJECT / crawls.SPIDER / f"{job}.log"
    return path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_budget_is_held_with_two_nodes(db_url: str, egg: Path, tmp_path: Path) -> None:
    """Four shards on two nodes at once, started by the scheduler's code with its rate: the site
    never sees more than CRAWL_SITE_RATE."""
    cars = make_catalog(300, seed=14)
    per_make = Counter(car.make_code for car in cars)
    # The tests' settings without their CRAWL_SITE_RATE=0, which would override the policy's.
    settings = {k: v for k, v in TEST_SETTINGS.items() if k != "CRAWL_SITE_RATE"}
    policy = crawls.Policy(interval=timedelta(hours=1), site_rate=RATE, settings=settings)
    engine = make_engine(db_url)
    with (
        ReplaySite(cars) as site,
        running_nodes(tmp_path, crawl_env(db_url, site.base_url), egg, 2) as nodes,
    ):
        cluster = crawls.Cluster(nodes=tuple(node.url for node in nodes), timeout=5)
        with Session(engine, expire_on_commit=False) as session:
            started = crawls.tick(cluster, MAKES, policy, session=session)
            session.commit()
        assert {run.node for run in started} == set(cluster.nodes) and len(started) == 4
        deadline = time.monotonic() + 180
        while True:
            with Session(engine, expire_on_commit=False) as session:
                crawls.refresh_runs(cluster, cluster.nodes, session=session)
                session.commit()
                done = session.scalars(select(CrawlRun)).all()
            if not any(run.status in crawls.ACTIVE for run in done):
                break
            assert time.monotonic() < deadline, [node.output()[-2000:] for node in nodes]
            time.sleep(0.5)
        by_url = {node.url: node for node in nodes}
        logs = {run.shard: job_log(by_url[run.node], run.job_id) for run in done}
        peak = site.peak_rate(WINDOW)
        requests = len(site.requests)
        list_pages = {make: site.count(f"/usedcar/b{make}/index") for make in MAKES}

    assert all(run.status == "finished" for run in done), [(r.shard, r.reason) for r in done]
    # One request of slack: a window may hold both ends of its RATE * WINDOW slots.
    assert peak * WINDOW <= RATE * WINDOW + 1
    # The four jobs ran at once: each had started before any had ended.
    assert max(run.started_at for run in done if run.started_at) < min(
        run.finished_at for run in done if run.finished_at
    )
    assert list_pages == {make: math.ceil(per_make[make] / 30) for make in MAKES}
    booked = [re.search(r"'budget/requests': (\d+)", log) for log in logs.values()]
    assert sum(int(found[1]) for found in booked if found) == requests
    with engine.connect() as conn:
        stored = dict(
            conn.execute(select(Car.make_code, func.count()).group_by(Car.make_code)).all()
        )
    engine.dispose()
    assert stored == {make: per_make[make] for make in MAKES}
