"""Shared fixtures: migrated PostgreSQL and SQLite databases, and the carsensor replay site."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.db import make_engine
from core.settings import get_settings
from tests.scrapyd_nodes import build_egg

ROOT = Path(__file__).resolve().parents[1]
SHARED_HTML = ROOT.parent / "shared" / "carsensor-html"
PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
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


def migrate(url: str) -> None:
    """Run every Alembic migration against `url`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")


def pg_url(database: str) -> str:
    """The URL of a database on the test PostgreSQL server."""
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An autocommit connection to the server, for CREATE/DROP DATABASE."""
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
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
