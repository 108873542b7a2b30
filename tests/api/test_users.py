"""Team accounts: roles, managing users, the last admin, revocation, changing your password."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from api.app import create_app
from core.models import LoginFailure, RefreshToken, User
from core.settings import Settings
from tests.api.conftest import ADMIN_PASSWORD

NEW_PASSWORD = "a much longer passphrase"
USER_ENDPOINTS = [
    ("GET", "/api/users", None),
    ("POST", "/api/users", {"username": "x", "password": NEW_PASSWORD}),
    ("PATCH", "/api/users/1", {"is_active": False}),
    ("DELETE", "/api/users/1", None),
]


@pytest.fixture
def staff(session: Session, admin_hash: str) -> User:
    """A staff user `staff`, whose password is ADMIN_PASSWORD too (one hash for the run)."""
    user = User(username="staff", password_hash=admin_hash)
    session.add(user)
    session.commit()
    return user


def call(client: TestClient, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.request(method, path, json=body, headers=headers)


def sign_in(client: TestClient, username: str, password: str = ADMIN_PASSWORD) -> tuple[str, str]:
    """A fresh session: its access token and refresh cookie (the client's jar is left empty)."""
    client.cookies.clear()
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    cookie = response.cookies["refresh_token"]
    client.cookies.clear()
    return response.json()["access_token"], cookie


def refresh(client: TestClient, cookie: str) -> Any:
    client.cookies.clear()
    client.cookies.set("refresh_token", cookie)
    response = client.post("/api/refresh")
    client.cookies.clear()
    return response


def assert_signed_out(client: TestClient, token: str, cookie: str) -> None:
    """The access token is refused at once, on the signature-only path too, and so is refresh."""
    for path in ("/api/cars", "/api/me", "/api/crawls"):
        assert call(client, "GET", path, token).status_code == 401, path
    assert refresh(client, cookie).status_code == 401


def live_refresh_tokens(session: Session, user_id: int) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        )
        or 0
    )


@pytest.mark.parametrize(("method", "path", "body"), USER_ENDPOINTS)
def test_staff_may_not_manage_users(
    client: TestClient, admin: User, staff: User, method: str, path: str, body: Any
) -> None:
    token, _ = sign_in(client, "staff")
    response = call(client, method, path, token, body)
    assert response.status_code == 403 and response.json() == {"detail": "Admins only"}
    assert call(client, "POST", "/api/crawls", token).status_code == 403
    assert call(client, "GET", "/api/users", sign_in(client, "admin")[0]).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [*USER_ENDPOINTS, ("POST", "/api/me/password", {"old_password": "a", "new_password": "b"})],
)
def test_every_account_endpoint_needs_a_token(
    client: TestClient, admin: User, method: str, path: str, body: Any
) -> None:
    response = call(client, method, path, None, body)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_admin_creates_lists_updates_and_deletes_users(
    client: TestClient, admin: User, auth: dict[str, str]
) -> None:
    token = auth["Authorization"].removeprefix("Bearer ")
    body = {"username": "sales", "password": NEW_PASSWORD}
    created = call(client, "POST", "/api/users", token, body)
    assert created.status_code == 201
    user = created.json()
    assert user["username"] == "sales" and user["is_admin"] is False and user["is_active"] is True
    assert set(user) == {"id", "username", "is_admin", "is_active", "created_at", "updated_at"}
    assert call(client, "POST", "/api/users", token, body).json() == {"detail": "Username taken"}
    assert call(client, "POST", "/api/users", token, body).status_code == 409

    listed = call(client, "GET", "/api/users", token).json()["users"]
    assert [u["username"] for u in listed] == ["admin", "sales"]
    sales_token, _ = sign_in(client, "sales", NEW_PASSWORD)
    assert call(client, "GET", "/api/cars", sales_token).status_code == 200

    promoted = call(client, "PATCH", f"/api/users/{user['id']}", token, {"is_admin": True})
    assert promoted.status_code == 200 and promoted.json()["is_admin"] is True
    assert promoted.json()["updated_at"] > user["updated_at"]
    # Promotion takes nothing away: the session goes on, now with admin rights.
    assert call(client, "GET", "/api/users", sales_token).status_code == 200

    assert call(client, "DELETE", f"/api/users/{user['id']}", token).status_code == 204
    assert [u["username"] for u in call(client, "GET", "/api/users", token).json()["users"]] == [
        "admin"
    ]
    for method in ("PATCH", "DELETE"):
        missing = call(client, method, f"/api/users/{user['id']}", token, {"is_admin": False})
        assert missing.status_code == 404 and missing.json() == {"detail": "No such user"}


@pytest.mark.parametrize(
    ("password_for", "reason"),
    [
        (lambda username: "short pass", "shorter than 12 characters"),
        (lambda username: "carsensor-demo", "published demo"),
        (str.upper, "is the username"),
    ],
    ids=["short", "demo", "username"],
)
def test_passwords_breaking_the_rules_get_422(
    client: TestClient, admin: User, staff: User, password_for: Callable[[str], str], reason: str
) -> None:
    token, _ = sign_in(client, "admin")
    body = {"username": "long.username", "password": password_for("long.username")}
    change = {"old_password": ADMIN_PASSWORD, "new_password": password_for("admin")}
    for response in (
        call(client, "POST", "/api/users", token, body),
        call(client, "PATCH", f"/api/users/{staff.id}", token, {"password": password_for("staff")}),
        call(client, "POST", "/api/me/password", token, change),
    ):
        assert response.status_code == 422 and reason in response.json()["detail"]
    # Nothing was created or changed.
    users = call(client, "GET", "/api/users", token).json()["users"]
    assert [user["username"] for user in users] == ["admin", "staff"]
    sign_in(client, "staff")
    sign_in(client, "admin")


def test_usernames_with_spaces_or_control_characters_get_422(
    client: TestClient, admin: User, auth: dict[str, str]
) -> None:
    token = auth["Authorization"].removeprefix("Bearer ")
    for username in ("two words", "nul\x00", ""):
        body = {"username": username, "password": NEW_PASSWORD}
        assert call(client, "POST", "/api/users", token, body).status_code == 422


def test_the_last_active_admin_stays(
    client: TestClient, session: Session, admin: User, staff: User
) -> None:
    token, _ = sign_in(client, "admin")
    last = "The last active admin cannot be disabled, demoted or deleted"
    for method, body in (("PATCH", {"is_active": False}), ("PATCH", {"is_admin": False})):
        response = call(client, method, f"/api/users/{admin.id}", token, body)
        assert response.status_code == 409 and response.json() == {"detail": last}
    assert call(client, "DELETE", f"/api/users/{admin.id}", token).status_code == 409

    # A disabled admin does not count.
    session.execute(update(User).where(User.id == staff.id).values(is_admin=True, is_active=False))
    session.commit()
    assert call(client, "DELETE", f"/api/users/{admin.id}", token).status_code == 409
    enabled = call(client, "PATCH", f"/api/users/{staff.id}", token, {"is_active": True})
    assert enabled.json()["is_active"] is True

    # With another active admin, an admin may demote (or delete) themself.
    demoted = call(client, "PATCH", f"/api/users/{admin.id}", token, {"is_admin": False})
    assert demoted.status_code == 200 and demoted.json()["is_admin"] is False
    other, _ = sign_in(client, "staff")
    assert call(client, "PATCH", f"/api/users/{staff.id}", other, {"is_admin": False}).json() == {
        "detail": last
    }


def test_a_disabled_user_is_out_at_the_next_request(
    client: TestClient, session: Session, admin: User, staff: User
) -> None:
    admin_token, _ = sign_in(client, "admin")
    token, cookie = sign_in(client, "staff")
    _, other_cookie = sign_in(client, "staff")
    assert call(client, "GET", "/api/cars", token).status_code == 200
    disabled = call(client, "PATCH", f"/api/users/{staff.id}", admin_token, {"is_active": False})
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False

    assert_signed_out(client, token, cookie)
    assert refresh(client, other_cookie).status_code == 401
    assert live_refresh_tokens(session, staff.id) == 0
    login = {"username": "staff", "password": ADMIN_PASSWORD}
    assert client.post("/api/login", json=login).status_code == 401
    # The admin who did it is unaffected.
    assert call(client, "GET", "/api/cars", admin_token).status_code == 200

    # Enabled again: a new sign-in works, the old sessions stay dead.
    call(client, "PATCH", f"/api/users/{staff.id}", admin_token, {"is_active": True})
    assert call(client, "GET", "/api/cars", token).status_code == 401
    assert call(client, "GET", "/api/cars", sign_in(client, "staff")[0]).status_code == 200


@pytest.mark.parametrize(
    ("method", "body"),
    [("PATCH", {"password": NEW_PASSWORD}), ("PATCH", {"is_admin": False}), ("DELETE", None)],
)
def test_reset_demotion_and_deletion_sign_the_user_out(
    client: TestClient, session: Session, admin: User, staff: User, method: str, body: Any
) -> None:
    session.execute(update(User).where(User.id == staff.id).values(is_admin=True))
    session.commit()
    admin_token, _ = sign_in(client, "admin")
    token, cookie = sign_in(client, "staff")
    assert call(client, method, f"/api/users/{staff.id}", admin_token, body).is_success
    assert_signed_out(client, token, cookie)
    assert live_refresh_tokens(session, staff.id) == 0


def test_an_admin_reset_password_replaces_the_old_one(
    client: TestClient, admin: User, staff: User
) -> None:
    admin_token, _ = sign_in(client, "admin")
    reset = {"password": NEW_PASSWORD}
    assert call(client, "PATCH", f"/api/users/{staff.id}", admin_token, reset).status_code == 200
    old = {"username": "staff", "password": ADMIN_PASSWORD}
    assert client.post("/api/login", json=old).status_code == 401
    assert (
        call(client, "GET", "/api/me", sign_in(client, "staff", NEW_PASSWORD)[0]).json()["username"]
        == "staff"
    )


def test_changing_your_password_signs_out_your_other_sessions(
    client: TestClient, session: Session, admin: User, staff: User
) -> None:
    token, cookie = sign_in(client, "staff")
    other_token, other_cookie = sign_in(client, "staff")
    client.cookies.set("refresh_token", cookie)
    change = {"old_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD}
    assert call(client, "POST", "/api/me/password", token, change).status_code == 204
    client.cookies.clear()

    assert_signed_out(client, other_token, other_cookie)
    # This session: its access token is refused, its refresh cookie gets a new one.
    assert call(client, "GET", "/api/cars", token).status_code == 401
    renewed = refresh(client, cookie)
    assert renewed.status_code == 200
    assert call(client, "GET", "/api/cars", renewed.json()["access_token"]).status_code == 200
    assert live_refresh_tokens(session, staff.id) == 1
    old = {"username": "staff", "password": ADMIN_PASSWORD}
    assert client.post("/api/login", json=old).status_code == 401
    sign_in(client, "staff", NEW_PASSWORD)
    # Nobody else was touched.
    assert call(client, "GET", "/api/cars", sign_in(client, "admin")[0]).status_code == 200


def test_a_wrong_old_password_gets_400_and_is_not_a_sign_in_failure(
    client: TestClient, session: Session, admin: User, staff: User
) -> None:
    token, _ = sign_in(client, "staff")
    failures_before = session.scalar(select(func.count()).select_from(LoginFailure))
    change = {"old_password": "not my password", "new_password": NEW_PASSWORD}
    for _ in range(5):
        response = call(client, "POST", "/api/me/password", token, change)
        assert response.status_code == 400 and response.json() == {"detail": "Wrong password"}
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == failures_before
    assert call(client, "GET", "/api/cars", token).status_code == 200
    sign_in(client, "staff")  # the password is unchanged, and sign-in is not throttled


def users_queries(app: FastAPI) -> list[str]:
    """The statements reading the users table that the app runs from now on."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM users" in statement:
            statements.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    return statements


def test_car_requests_check_accounts_without_a_query_each(
    settings: Settings, session: Session, admin: User, staff: User
) -> None:
    app = create_app(settings.model_copy(update={"account_cache_seconds": 3600}))
    with TestClient(app) as client:
        token, _ = sign_in(client, "staff")
        queries = users_queries(app)
        for _ in range(5):
            assert call(client, "GET", "/api/cars", token).status_code == 200
        assert len(queries) == 1
        # Another process disabled the user: this one sees it once its snapshot is older than
        # ACCOUNT_CACHE_SECONDS, which here is an hour.
        session.execute(update(User).where(User.id == staff.id).values(is_active=False))
        session.commit()
        assert call(client, "GET", "/api/cars", token).status_code == 200


def test_without_an_account_cache_every_request_sees_the_database(
    settings: Settings, session: Session, admin: User, staff: User
) -> None:
    app = create_app(settings.model_copy(update={"account_cache_seconds": 0}))
    with TestClient(app) as client:
        token, _ = sign_in(client, "staff")
        assert call(client, "GET", "/api/cars", token).status_code == 200
        session.execute(update(User).where(User.id == staff.id).values(is_active=False))
        session.commit()
        assert call(client, "GET", "/api/cars", token).status_code == 401
