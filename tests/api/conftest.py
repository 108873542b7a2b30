"""API fixtures: an app on the fresh test database, a signed-in client, and seeded cars."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.security import create_access_token, hash_password
from core.models import User, utcnow
from core.settings import Settings
from tests.factories import listing

TEST_SECRET = "test-secret-key-that-is-at-least-32-bytes-long"
ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def admin_hash() -> str:
    """One argon2 hash for the whole run (hashing is deliberately slow)."""
    return hash_password(ADMIN_PASSWORD)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Settings for the test database: no count cache, a lockout after 3 failures."""
    return Settings(
        database_url=db_url,
        secret_key=TEST_SECRET,
        totals_check_seconds=0,
        login_max_failures=3,
        login_window_seconds=600,
        cors_origins=["https://app.example"],
        scrapyd_urls=[],  # no crawl may reach a scrapyd that happens to run on this machine
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The API on the fresh test database."""
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client through the ASGI transport; server errors come back as responses."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(session: Session, admin_hash: str) -> User:
    """The admin user `admin`, whose password is ADMIN_PASSWORD."""
    user = User(username="admin", password_hash=admin_hash, is_admin=True)
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def auth(admin: User, settings: Settings) -> dict[str, str]:
    """A valid bearer header for `admin` (the login path has its own tests)."""
    token = create_access_token(admin.id, settings=settings, now=utcnow())
    return {"Authorization": f"Bearer {token}"}


# A handful of listings for the fuzzer to find (ids 1..3), one without prices or photos.
CARS_FOR_FUZZING = (
    listing("F1", photos=["https://img.example/1.jpg"], seats=5, doors=5),
    listing("F2", make="Honda", model="Fit", price_jpy=None, total_price_jpy=None, year=None),
    listing("F3", is_active=False, color="white", body_type="kei", fuel="hybrid"),
)
