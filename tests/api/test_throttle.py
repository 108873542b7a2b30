"""Sign-in throttling: per username and address, per address, doubling delays, clearing a lock.

The api conftest allows 3 failures per username and address in a 600 s window. The login
handler's clock is pinned (`clock`), so delays are checked without waiting for them.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import Session
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import accounts, clear_lock
from api.app import create_app
from api.routes import auth
from api.security import create_access_token
from core.models import LoginFailure, User, utcnow
from core.settings import Settings
from tests.api.conftest import ADMIN_PASSWORD
from tests.conftest import ROOT

WRONG = "not the password"
THROTTLED = "Too many failed sign-ins; try again later"


class Clock:
    """The login handler's utcnow, moved on by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    pinned = Clock()
    monkeypatch.setattr(auth, "utcnow", lambda: pinned.now)
    return pinned


@pytest.fixture
def call(app: FastAPI) -> Callable[..., Any]:
    """A request from a client address. One client at a time: asyncpg's connections belong to
    the event loop of the client that opened them, and each client runs its own."""

    def request(address: str, method: str, url: str, **kwargs: Any) -> Any:
        with TestClient(app, client=(address, 50000)) as client:
            return client.request(method, url, **kwargs)

    return request


def login(client: TestClient, password: str = WRONG, username: str = "admin") -> Any:
    return client.post("/api/login", json={"username": username, "password": password})


def login_from(call: Any, address: str, password: str = WRONG, username: str = "admin") -> Any:
    return call(address, "POST", "/api/login", json={"username": username, "password": password})


def stored_failures(session: Session, count: int, at: datetime, address: str = "10.0.0.9") -> None:
    session.add_all(
        LoginFailure(username="admin", client_address=address, failed_at=at) for _ in range(count)
    )
    session.commit()


def assert_failed(response: Any, attempts_left: int) -> None:
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Incorrect username or password",
        "attempts_left": attempts_left,
    }
    assert response.headers["x-login-attempts-left"] == str(attempts_left)
    assert response.headers["www-authenticate"] == "Bearer"


def assert_throttled(response: Any, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.json() == {"detail": THROTTLED, "attempts_left": 0}
    assert response.headers["retry-after"] == str(retry_after)
    assert response.headers["x-login-attempts-left"] == "0"


def test_a_wrong_password_states_the_attempts_left(call: Any, admin: User, clock: Clock) -> None:
    for left in (2, 1, 0):
        assert_failed(login_from(call, "10.0.0.7"), left)
    # An unknown username gets the same answers: they do not tell who exists.
    for left in (2, 1, 0):
        assert_failed(login_from(call, "10.0.0.8", username="nobody"), left)


def test_delays_double_after_the_allowed_failures(
    app: FastAPI, admin: User, clock: Clock, session: Session
) -> None:
    with TestClient(app, client=("10.0.0.9", 1000)) as client:
        for left in (2, 1, 0):
            assert_failed(login(client), left)
        for wait in (1, 2, 4, 8):
            assert_throttled(login(client), wait)
            # Refused before the password is checked, and not counted: the wait stays the same.
            assert_throttled(login(client, ADMIN_PASSWORD), wait)
            clock.advance(wait)
            assert_failed(login(client), 0)
        assert_throttled(login(client), 16)
        assert len(session.scalars(select(LoginFailure)).all()) == 7

        clock.advance(16)
        assert login(client, ADMIN_PASSWORD).status_code == 200
        # A correct password clears that username's failures at that address.
        assert session.scalars(select(LoginFailure)).all() == []
        assert_failed(login(client), 2)


def test_a_lockout_from_another_address_does_not_block_the_real_user(
    app: FastAPI, call: Any, admin: User, clock: Clock, session: Session
) -> None:
    with TestClient(app, client=("10.0.0.9", 1000)) as attacker:
        answers = [login(attacker).status_code for _ in range(100)]
    assert answers == [401] * 3 + [429] * 97
    assert login_from(call, "10.0.0.9", ADMIN_PASSWORD).status_code == 429

    # Even with a hundred failures stored against admin at the attacker's address...
    stored_failures(session, 97, clock.now, "10.0.0.9")
    # ...the real admin, from their own address, signs in at the first try.
    assert login_from(call, "10.0.0.7", ADMIN_PASSWORD).status_code == 200
    assert login_from(call, "10.0.0.9", ADMIN_PASSWORD).status_code == 429


def test_the_per_address_limit_blocks_only_that_address(
    settings: Settings, admin: User, clock: Clock
) -> None:
    limited = create_app(settings.model_copy(update={"login_max_failures_per_address": 5}))
    with TestClient(limited, client=("192.0.2.7", 1000)) as office:
        # One failure each for five usernames: the looser limit across usernames runs out.
        lefts = [login(office, username=name).json()["attempts_left"] for name in "abcde"]
        assert lefts == [2, 2, 2, 1, 0]
        assert_throttled(login(office, ADMIN_PASSWORD), 1)
        assert_throttled(login(office, username="f"), 1)
    with TestClient(limited, client=("192.0.2.8", 1000)) as other:
        assert login(other, ADMIN_PASSWORD).status_code == 200


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    app: FastAPI, admin: User, clock: Clock, session: Session
) -> None:
    # As uvicorn --proxy-headers --forwarded-allow-ips=10.1.1.1 runs the app.
    proxied = ProxyHeadersMiddleware(app, trusted_hosts="10.1.1.1")
    with TestClient(proxied, client=("203.0.113.5", 1000)) as untrusted:
        for n in range(3):
            spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
            response = untrusted.post(
                "/api/login", json={"username": "admin", "password": WRONG}, headers=spoofed
            )
            assert_failed(response, 2 - n)  # one count, whatever address the header claims
        assert_throttled(login(untrusted, ADMIN_PASSWORD), 1)
    with TestClient(proxied, client=("10.1.1.1", 1000)) as proxy:
        forwarded = {"X-Forwarded-For": "198.51.100.77"}
        response = proxy.post(
            "/api/login", json={"username": "admin", "password": WRONG}, headers=forwarded
        )
        assert_failed(response, 2)
    addresses = session.scalars(select(LoginFailure.client_address)).all()
    assert sorted(addresses) == ["198.51.100.77", *["203.0.113.5"] * 3]


def test_an_admin_clears_a_lock(
    call: Any,
    session: Session,
    auth: dict[str, str],
    settings: Settings,
    admin_hash: str,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    staff = User(username="staff", password_hash=admin_hash, is_admin=False)
    session.add(staff)
    session.commit()
    staff_token = create_access_token(staff.id, settings=settings, now=utcnow())
    staff_auth = {"Authorization": f"Bearer {staff_token}"}
    stored_failures(session, 3, clock.now, "10.0.0.9")
    stored_failures(session, 3, clock.now, "10.0.0.8")
    assert login_from(call, "10.0.0.9", ADMIN_PASSWORD).status_code == 429

    query = "/api/login-locks?username=admin&address=10.0.0.9"
    assert call("10.0.0.1", "DELETE", query).status_code == 401
    assert call("10.0.0.1", "DELETE", query, headers=staff_auth).status_code == 403
    assert call("10.0.0.1", "DELETE", "/api/login-locks", headers=auth).status_code == 422
    with caplog.at_level(logging.INFO, logger="api.auth"):
        assert call("10.0.0.1", "DELETE", query, headers=auth).status_code == 204
    assert "login lock cleared by 'admin': 3 failures of username 'admin' from '10.0.0.9'" in (
        caplog.text
    )
    assert login_from(call, "10.0.0.9", ADMIN_PASSWORD).status_code == 200
    assert login_from(call, "10.0.0.8", ADMIN_PASSWORD).status_code == 429  # not cleared

    # An address alone: its failures under every username (an office behind one NAT).
    by_address = call("10.0.0.1", "DELETE", "/api/login-locks?address=10.0.0.8", headers=auth)
    assert by_address.status_code == 204
    assert session.scalars(select(LoginFailure)).all() == []


def test_clear_lock_command(
    settings: Settings,
    session: Session,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stored_failures(session, 3, utcnow(), "10.0.0.9")
    stored_failures(session, 2, utcnow(), "10.0.0.8")
    with caplog.at_level(logging.INFO, logger="api.clear_lock"):
        assert clear_lock.main(["admin", "--address", "10.0.0.9"], settings) == 0
        assert clear_lock.main(["admin"], settings) == 0
    assert "cleared 3 failures of username 'admin' from '10.0.0.9'" in caplog.text
    assert "cleared 2 failures of username 'admin' from any address" in caplog.text
    assert capsys.readouterr().out == ""
    assert session.scalars(select(LoginFailure)).all() == []
    with pytest.raises(SystemExit) as usage:
        clear_lock.main([], settings)
    assert usage.value.code == 2


@pytest.mark.parametrize(("failures", "delay"), [(3, 1), (4, 2), (8, 32), (9, 60), (500, 60)])
def test_the_delay_doubles_up_to_the_cap(
    settings: Settings, session: Session, failures: int, delay: int
) -> None:
    capped = settings.model_copy(update={"login_max_delay_seconds": 60})
    last = utcnow()
    stored_failures(session, failures, last)
    now = last + timedelta(milliseconds=1)
    standing = accounts.standing("admin", "10.0.0.9", session=session, settings=capped, now=now)
    assert standing == accounts.Standing(0, last + timedelta(seconds=delay))
    later = last + timedelta(seconds=delay)
    open_again = accounts.standing("admin", "10.0.0.9", session=session, settings=capped, now=later)
    assert open_again == accounts.Standing(0, None)


def test_failures_leave_the_window(settings: Settings, session: Session) -> None:
    now = utcnow()
    stored_failures(session, 50, now - timedelta(seconds=settings.login_window_seconds))
    stored_failures(session, 1, now - timedelta(seconds=10))
    standing = accounts.standing("admin", "10.0.0.9", session=session, settings=settings, now=now)
    assert standing == accounts.Standing(2, None)


def test_attempts_in_parallel_see_each_other(settings: Settings, session: Session) -> None:
    # Four attempts begun before any password was checked: the first three go ahead.
    now = utcnow()
    attempts = [
        accounts.record_failure("admin", "10.0.0.9", session=session, settings=settings, now=now)
        for _ in range(4)
    ]
    session.commit()
    verdicts = [
        accounts.standing(
            "admin", "10.0.0.9", session=session, settings=settings, now=now, before=attempt
        ).retry_at
        for attempt in attempts
    ]
    assert verdicts == [None, None, None, now + timedelta(seconds=1)]


def test_migration_0007_downgrades_and_upgrades(db_url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = db_url
    config.attributes["configure_logging"] = False
    engine = create_engine(db_url)

    def indexes() -> set[str]:
        return {str(index["name"]) for index in inspect(engine).get_indexes("login_failures")}

    try:
        assert "ix_login_failures_username_client_failed_at" in indexes()
        command.downgrade(config, "0006")
        assert "ix_login_failures_username_failed_at" in indexes()
        assert "ix_login_failures_username_client_failed_at" not in indexes()
        command.upgrade(config, "head")
        assert indexes() >= {
            "ix_login_failures_username_client_failed_at",
            "ix_login_failures_client_failed_at",
            "ix_login_failures_failed_at",
        }
    finally:
        engine.dispose()
