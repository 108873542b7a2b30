"""Shared fixtures: migrated PostgreSQL and SQLite databases (and async reads on them), the
carsensor replay site, and a fake exchange-rates feed."""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.db import async_session_factory, make_async_engine, make_engine
from core.migrate import migrate
from core.settings import Settings, get_settings
from replay.ports import free_port
from replay.scrapyd_nodes import build_egg

ROOT = Path(__file__).resolve().parents[1]
SHARED_HTML = ROOT.parent / "shared" / "carsensor-html"
LOCAL_POSTGRES_PORT = int(os.environ.get("PGPORT") or 5432)
# The throwaway server's cluster: UTF-8 and C collation whatever the caller's locale, as on the
# Debian cluster CI uses; no fsync, as it is deleted after the session.
INITDB_OPTIONS = (
    "--username=postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
    "--no-sync",
)


@pytest.fixture(autouse=True, scope="session")
def no_real_llm() -> Iterator[None]:
    """Blank any OPENAI_API_KEY from the environment or .env: no test may call a real server."""
    patch = pytest.MonkeyPatch()
    patch.setenv("OPENAI_API_KEY", "")
    get_settings.cache_clear()
    yield
    patch.undo()
    get_settings.cache_clear()


def pg_url(database: str) -> str:
    """The URL of a database on the test PostgreSQL server (the `pg_server` fixture's)."""
    admin_url = os.environ["TEST_POSTGRES_URL"]
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def postgres_bindir() -> Path:
    """The directory of the installed PostgreSQL server's initdb and pg_ctl."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    # Debian keeps them off PATH, in one directory per major version.
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3])
    )
    if not debian:
        pytest.fail(
            f"nothing answers on 127.0.0.1:{LOCAL_POSTGRES_PORT} and TEST_POSTGRES_URL is not "
            "set, and no PostgreSQL server binaries (initdb, pg_ctl) are installed to start a "
            "server for the tests: apt-get install postgresql"
        )
    return debian[-1].parent


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server of the installed binaries in a temporary directory, on a free port,
    trusting `postgres`; its admin URL. Stopped and deleted on exit."""
    bindir = postgres_bindir()
    # initdb refuses to run as root; root runs the server as the postgres user Debian creates.
    user = "postgres" if os.geteuid() == 0 else None
    home = Path(tempfile.mkdtemp(prefix="carsensor-test-pg-"))
    if user:
        shutil.chown(home, user)
    data, port = home / "data", free_port()

    def pg(*args: str | Path) -> None:
        done = subprocess.run(
            args, user=user, cwd=home, capture_output=True, text=True, check=False
        )
        if done.returncode:
            log = home / "log"
            log_text = log.read_text() if log.exists() else ""
            pytest.fail(f"{args[0]} failed:\n{done.stdout}{done.stderr}{log_text}")

    try:
        pg(bindir / "initdb", "-D", data, *INITDB_OPTIONS)
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {home} -c fsync=off"
        pg(bindir / "pg_ctl", "-D", data, "-l", home / "log", "-o", options, "-w", "start")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            pg(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)


def answers(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The admin URL of the test PostgreSQL server, also in TEST_POSTGRES_URL for the session.

    TEST_POSTGRES_URL when set; else the local server on 127.0.0.1:5432 (PGPORT) when it
    answers; else a throwaway server started here from the installed binaries.
    """
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    with ExitStack() as stack:
        if answers(LOCAL_POSTGRES_PORT):
            url = f"postgresql+psycopg://postgres@127.0.0.1:{LOCAL_POSTGRES_PORT}/postgres"
        else:
            url = stack.enter_context(throwaway_postgres())
        stack.enter_context(pytest.MonkeyPatch.context()).setenv("TEST_POSTGRES_URL", url)
        yield url


@pytest.fixture(scope="session")
def pg_admin(pg_server: str) -> Iterator[Engine]:
    """An autocommit connection to the server, for CREATE/DROP DATABASE."""
    engine = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_admin: Engine) -> Iterator[str]:
    """A migrated PostgreSQL database that each test clones (CREATE DATABASE … TEMPLATE)."""
    name = f"carsensor_template_{os.getpid()}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    migrate(pg_url(name))
    yield name
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database: once on PostgreSQL, once on SQLite."""
    if request.param == "sqlite":
        path = tmp_path / "cars.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    template = request.getfixturevalue("pg_template")
    name = f"carsensor_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield pg_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on the fresh test database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    """A session on the fresh test database; the test commits what it wants kept."""
    with Session(db_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def shared_html() -> Path:
    """The real carsensor pages in ../shared, or a clean skip where that folder is absent."""
    if not SHARED_HTML.is_dir():
        pytest.skip("../shared/carsensor-html is not present")
    return SHARED_HTML


@pytest.fixture(scope="session")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crawler's egg (core + crawler), as scrapyd-deploy builds it; built once per run."""
    return build_egg(tmp_path_factory.mktemp("project"))


class RatesFeed:
    """A stand-in for open.er-api.com's /v6/latest/JPY on loopback: serves `body`, counts calls."""

    def __init__(self) -> None:
        self.body: object = {
            "result": "success",
            "base_code": "JPY",
            "time_last_update_unix": 1_796_515_200,  # 2026-12-06 00:00 UTC
            "rates": {"JPY": 1, "USD": 0.00625, "EUR": 0.005, "RUB": 0.5},
        }
        self.status = 200
        self.calls = 0
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                feed.calls += 1
                payload = json.dumps(feed.body).encode()
                self.send_response(feed.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test output is not the place for access lines."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v6/latest/JPY"


@pytest.fixture
def rates_feed() -> Iterator[RatesFeed]:
    """A public exchange-rates feed, faked on loopback (the real one is on the internet)."""
    feed = RatesFeed()
    thread = threading.Thread(target=feed.server.serve_forever, daemon=True)
    thread.start()
    yield feed
    feed.server.shutdown()
    feed.server.server_close()


AsyncWork = Callable[[AsyncSession], Awaitable[Any]]


@pytest.fixture
def read_async(db_url: str) -> Callable[[AsyncWork], Any]:
    """Run `work(session)` on an AsyncSession of the test database, in a loop of its own."""

    def run(work: AsyncWork) -> Any:
        async def main() -> Any:
            engine = make_async_engine(Settings(database_url=db_url))
            try:
                async with async_session_factory(engine)() as session:
                    return await work(session)
            finally:
                await engine.dispose()

        return asyncio.run(main())

    return run
