"""The site-wide request budget across two real scrapyd nodes sharing one PostgreSQL."""

import math
import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import crawls
from core.db import make_engine
from core.models import Car
from tests.crawler.crawl_helpers import TEST_SETTINGS
from tests.fakes.carsensor_site import ReplaySite, make_catalog
from tests.scrapyd_nodes import Node, deploy

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
    """Four jobs on two nodes at once: the site never sees more than CRAWL_SITE_RATE."""
    cars = make_catalog(300, seed=14)
    per_make = Counter(car.make_code for car in cars)
    settings = TEST_SETTINGS | {"CRAWL_SITE_RATE": str(RATE)}
    nodes: list[Node] = []
    with ReplaySite(cars) as site:
        env = os.environ | {
            "DATABASE_URL": db_url,
            "CARSENSOR_BASE_URL": site.base_url,
            "CRAWL_SITE_RATE": str(RATE),
        }
        try:
            nodes = [Node(tmp_path / name, env, max_proc=2) for name in ("a", "b")]
            for node in nodes:
                node.wait_ready()
                deploy(egg, node)
            cluster = crawls.Cluster(nodes=tuple(node.url for node in nodes), timeout=5)
            jobs = {make: nodes[n % 2] for n, make in enumerate(MAKES)}
            for make, node in jobs.items():
                form = [
                    ("project", crawls.PROJECT),
                    ("spider", crawls.SPIDER),
                    ("jobid", f"budget-{make}"),
                    ("makes", make),
                    *(("setting", f"{name}={value}") for name, value in settings.items()),
                ]
                cluster.api(node.url, "schedule.json", form)

            deadline = time.monotonic() + 180
            finished: list[dict[str, str]] = []
            for node in nodes:
                mine = {f"budget-{make}" for make, owner in jobs.items() if owner is node}
                while mine - {job["id"] for job in node.jobs()["finished"]}:
                    assert time.monotonic() < deadline, node.output()[-4000:]
                    time.sleep(0.5)
                finished += [job for job in node.jobs()["finished"] if job["id"] in mine]
            logs = {make: job_log(node, f"budget-{make}") for make, node in jobs.items()}
        finally:
            for node in nodes:
                node.kill()
        peak = site.peak_rate(WINDOW)
        requests = len(site.requests)
        list_pages = {make: site.count(f"/usedcar/b{make}/index") for make in MAKES}

    for log in logs.values():
        assert "Spider closed (finished)" in log, log[-4000:]
    # One request of slack: a window may hold both ends of its RATE * WINDOW slots.
    assert peak * WINDOW <= RATE * WINDOW + 1
    # The four jobs ran at once: each had started before any had ended.
    assert max(job["start_time"] for job in finished) < min(job["end_time"] for job in finished)
    assert list_pages == {make: math.ceil(per_make[make] / 30) for make in MAKES}
    booked = [re.search(r"'budget/requests': (\d+)", log) for log in logs.values()]
    assert sum(int(found[1]) for found in booked if found) == requests
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = dict(
            conn.execute(select(Car.make_code, func.count()).group_by(Car.make_code)).all()
        )
    engine.dispose()
    assert stored == {make: per_make[make] for make in MAKES}
