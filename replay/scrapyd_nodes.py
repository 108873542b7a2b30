"""Real scrapyd nodes on loopback: a process per node, the project's egg, and its deployment.

Used by the scheduler's and the crawl API's integration tests, the web app's crawl e2e test and
the full-site bench. Each node runs `python -m scrapyd` in its own directory with the
repository's scrapyd.conf on a free port; the crawls it starts inherit the environment it was
given.
"""

import configparser
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

from core import crawls
from replay import ROOT
from replay.ports import free_port

SCRAPYD_DEPLOY = Path(sys.executable).with_name("scrapyd-deploy")


class Node:
    """A scrapyd process in its own directory, configured from the repository's scrapyd.conf."""

    def __init__(self, home: Path, env: dict[str, str], *, max_proc: int = 2) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = configparser.ConfigParser()
        config.read(ROOT / "scrapyd.conf")
        config["scrapyd"].update(
            http_port=str(self.port), max_proc=str(max_proc), poll_interval="0.5"
        )
        home.mkdir()
        with (home / "scrapyd.conf").open("w") as file:
            config.write(file)
        self.log = (home / "scrapyd.out").open("w")
        # A session of its own, so killing the group takes the node's running crawls with it.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"],
            cwd=home,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        """Block until daemonstatus.json answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urlopen(f"{self.url}/daemonstatus.json", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"scrapyd on {self.url} did not start: {self.output()}")

    def jobs(self) -> dict[str, list[dict[str, str]]]:
        """listjobs.json for the project."""
        with urlopen(f"{self.url}/listjobs.json?project={crawls.PROJECT}", timeout=5) as answer:
            jobs: dict[str, list[dict[str, str]]] = json.load(answer)
            return jobs

    def kill(self) -> None:
        """SIGKILL scrapyd and its crawls, as a machine that dies would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.log.close()

    def output(self) -> str:
        """What scrapyd printed."""
        self.log.flush()
        return (self.home / "scrapyd.out").read_text()


def build_egg(project: Path) -> Path:
    """The egg scrapyd-deploy builds, from a copy of the project in `project` (it writes a
    setup.py there)."""
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("core", "crawler"):
        shutil.copytree(ROOT / package, project / package, ignore=ignore)
    for name in ("scrapy.cfg", "pyproject.toml"):
        shutil.copy(ROOT / name, project / name)
    path = project / "carsensor.egg"
    subprocess.run(
        [SCRAPYD_DEPLOY, "--build-egg", str(path)], cwd=project, check=True, capture_output=True
    )
    return path


def deploy(egg: Path, node: Node) -> None:
    """Upload the egg to a node, as `scrapyd-deploy` does after building it."""
    subprocess.run(
        ["curl", "-sf", f"{node.url}/addversion.json", "-F", f"project={crawls.PROJECT}",
         "-F", "version=1", "-F", f"egg=@{egg}"],
        check=True, capture_output=True,
    )  # fmt: skip


@contextmanager
def running_nodes(
    home: Path, env: dict[str, str], egg: Path, count: int = 1, *, max_proc: int = 2
) -> Iterator[list[Node]]:
    """`count` nodes under `home`, ready, with the egg deployed; killed on the way out."""
    nodes: list[Node] = []
    try:
        for n in range(count):
            nodes.append(Node(home / f"node{n}", env, max_proc=max_proc))
        for node in nodes:
            node.wait_ready()
            deploy(egg, node)
        yield nodes
    finally:
        for node in nodes:
            node.kill()
