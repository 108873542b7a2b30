"""Run the whole product on this machine, without Docker: `make run` (or `make run OFFLINE=1`).

Checks the settings (and makes the signing key in var/ when SECRET_KEY is unset), migrates
DATABASE_URL (default: SQLite in var/), seeds the admin, starts scrapyd, deploys the
crawler to it with scrapyd-deploy, then starts the scheduler, the API (which serves the built
web app) and, when TELEGRAM_BOT_TOKEN is set, the bot. With --offline a bundled replay of
carsensor.net is crawled instead of the real site. Ctrl-C (or SIGTERM) stops every process.

    .venv/bin/python scripts/run_local.py [--offline]

Ports: API_PORT (8000), SCRAPYD_HTTP_PORT (6800), REPLAY_PORT (8081, offline only);
SCRAPYD_HOME (default: the repository) holds scrapyd's var/scrapyd state.
"""

import argparse
import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEMO_LOGIN = ("admin", "carsensor-demo")
# Enough listings that most cars have the 5 comparables a market price needs (about 90 %).
DEMO_CARS = 3000
ACCESS_LOG = '[twisted.python.log#info] "'
# twistd's text log names each line's level: "… [scrapyd.launcher#debug] Process slot 0 ready".
DEBUG_LOG = re.compile(r"^\S+ \[[^\]]*#debug\] ")

logger = logging.getLogger("run")


class Stack:
    """The child processes, each in a process group of its own, stopped in reverse order."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[tuple[str, subprocess.Popen[str]]] = []

    def run(self, name: str, *command: str) -> None:
        """Run a setup step to completion, echoing its output; raise if it fails."""
        done = subprocess.run(
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        for line in (done.stdout + done.stderr).splitlines():
            logger.info("%-9s| %s", name, line)
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed (exit {done.returncode})")

    def start(self, name: str, *command: str, cwd: Path = ROOT) -> None:
        """Start a long-running service; its output goes to our log, prefixed with its name."""
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # A group of its own: the terminal's Ctrl-C reaches only us, and stop() takes the
            # whole group, scrapyd's running crawls included.
            start_new_session=True,
        )
        self.children.append((name, process))
        threading.Thread(target=self._echo, args=(name, process), daemon=True).start()

    @staticmethod
    def _echo(name: str, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            # scrapyd logs every HTTP request, the scheduler's polls too, and its process slots
            # at debug level: noise here. Its warnings and errors still show.
            if ACCESS_LOG not in line and not DEBUG_LOG.match(line):
                logger.info("%-9s| %s", name, line.rstrip())

    def exited(self) -> str | None:
        """The name of a service that has exited, if any."""
        return next((name for name, p in self.children if p.poll() is not None), None)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM every group, newest first; SIGKILL what is still there after `grace`."""
        for _name, process in reversed(self.children):
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name, process in reversed(self.children):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killing it", name, grace)
            # Children of the service (crawls, workers) may outlive it; the group goes too.
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen[str], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def wait_for(url: str, ready: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll `url` until it answers (and `ready` holds); raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not ready():
            raise RuntimeError(f"a service exited before {url} answered")
        try:
            with urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def check_free(port: int, name: str) -> None:
    """Fail early, with the variable to change, when a port is taken."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} ({name}) is in use; set {name} to another port")


def main(argv: list[str] | None = None) -> int:
    """Start everything, print the URL and login, and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(prog="scripts/run_local.py", description=__doc__)
    parser.add_argument("--offline", action="store_true", help="crawl the bundled replay site")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)

    env = dict(os.environ)
    # Absolute, so scrapyd's crawl processes find the same SQLite file.
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'carsensor.db'}")
    env.setdefault("ADMIN_USERNAME", DEMO_LOGIN[0])
    env.setdefault("ADMIN_PASSWORD", DEMO_LOGIN[1])
    env.setdefault("SCRAPYD_USERNAME", "")
    env.setdefault("SCRAPYD_PASSWORD", "")
    ports = {name: int(env.get(name, default)) for name, default in
             (("API_PORT", 8000), ("SCRAPYD_HTTP_PORT", 6800), ("REPLAY_PORT", 8081))}  # fmt: skip
    scrapyd_url = f"http://127.0.0.1:{ports['SCRAPYD_HTTP_PORT']}"
    api_url = f"http://127.0.0.1:{ports['API_PORT']}"
    env |= {
        "SCRAPYD_HTTP_PORT": str(ports["SCRAPYD_HTTP_PORT"]),
        "SCRAPYD_BIND_ADDRESS": "127.0.0.1",
        "SCRAPYD_URLS": scrapyd_url,
        "CRAWL_POLL": env.get("CRAWL_POLL", "5"),
    }
    if args.offline:
        env["CARSENSOR_BASE_URL"] = f"http://127.0.0.1:{ports['REPLAY_PORT']}"
        env.setdefault("CRAWL_SITE_RATE", "0")  # the replay site needs no politeness budget
    # scrapyd keeps its eggs, logs and job database under its working directory.
    scrapyd_home = Path(env.get("SCRAPYD_HOME", ROOT))
    if scrapyd_home != ROOT:
        scrapyd_home.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "scrapyd.conf", scrapyd_home / "scrapyd.conf")

    stack = Stack(env)
    stopping = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s: stopping every service", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    alive = lambda: stack.exited() is None and not stopping.is_set()  # noqa: E731
    try:
        for name, port in ports.items():
            if name != "REPLAY_PORT" or args.offline:
                check_free(port, name)
        # The settings check: it names what production lacks, and makes the signing key
        # (var/secret_key) when SECRET_KEY is unset, before any service needs it.
        stack.run("preflight", sys.executable, "-m", "api.preflight")
        stack.run("migrate", str(BIN / "alembic"), "upgrade", "head")
        stack.run("admin", sys.executable, "-m", "api.create_admin")
        if args.offline:
            stack.start("replay", sys.executable, "-m", "replay",
                        "--port", str(ports["REPLAY_PORT"]), "--cars", str(DEMO_CARS))  # fmt: skip
            wait_for(env["CARSENSOR_BASE_URL"] + "/robots.txt", alive)
        stack.start("scrapyd", sys.executable, "-m", "scrapyd", cwd=scrapyd_home)
        wait_for(f"{scrapyd_url}/daemonstatus.json", alive)
        stack.run("deploy", str(BIN / "scrapyd-deploy"), "local", "-p", "carsensor")
        stack.start("scheduler", sys.executable, "-m", "crawler.scheduler")
        # Clients connect directly: X-Forwarded-For is believed from a proxy on this host only.
        stack.start("api", str(BIN / "uvicorn"), "api.main:app", "--host", "127.0.0.1",
                    "--port", str(ports["API_PORT"]), "--no-access-log", "--proxy-headers",
                    "--forwarded-allow-ips", env.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                    )  # fmt: skip
        wait_for(f"{api_url}/api/health", alive)
        if env.get("TELEGRAM_BOT_TOKEN"):
            stack.start("bot", sys.executable, "-m", "bot")
        else:
            logger.info("bot      | not started: set TELEGRAM_BOT_TOKEN to run it")
        web = "web app and API" if (ROOT / "web/dist/index.html").is_file() else "API (no web/dist)"
        logger.info(
            "\ncarsensor platform is up%s\n  %-16s %s  (login %s / %s)\n  %-16s %s\n%s"
            "Ctrl-C stops everything.\n",
            " (offline: crawling the bundled replay site)" if args.offline else "",
            web, api_url, env["ADMIN_USERNAME"],
            env["ADMIN_PASSWORD"] if env["ADMIN_PASSWORD"] == DEMO_LOGIN[1] else "<ADMIN_PASSWORD>",
            "scrapyd", scrapyd_url,
            f"  {'replay site':<16} {env['CARSENSOR_BASE_URL']}\n" if args.offline else "",
        )  # fmt: skip
        while alive():
            stopping.wait(0.5)
        failed = stack.exited() if not stopping.is_set() else None
        if failed:
            logger.error("%s exited; stopping the rest", failed)
            return 1
        return 0
    except RuntimeError as error:
        logger.error("run: %s", error)
        return 1
    finally:
        stack.stop()
        logger.info("stopped")


if __name__ == "__main__":
    raise SystemExit(main())
