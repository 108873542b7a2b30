"""Sign-in: login (JSON and form), lockout, access tokens, refresh rotation, reuse, logout."""

import hashlib
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import security
from api.app import create_app
from api.security import create_access_token
from core.models import LoginFailure, RefreshToken, User, utcnow
from core.settings import EXAMPLE_SECRET_KEY, Settings
from tests.api.conftest import ADMIN_PASSWORD, TEST_SECRET

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
CAR_ENDPOINTS = ["/api/cars", "/api/cars/facets", "/api/cars/export.csv", "/api/cars/1"]


def login(client: TestClient, password: str = ADMIN_PASSWORD, username: str = "admin") -> Any:
    return client.post("/api/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "detail" in response.json()


def test_json_login_returns_a_token_and_a_strict_httponly_cookie(
    client: TestClient, admin: User
) -> None:
    response = login(client)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(admin.id) and claims["exp"] - claims["iat"] == 15 * 60
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("refresh_token=")
    for attribute in ("HttpOnly", "Path=/api", "SameSite=strict"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http in development
    assert client.get("/api/cars", headers=bearer(body["access_token"])).status_code == 200


def test_form_login_for_swagger(client: TestClient, admin: User) -> None:
    response = client.post(
        "/api/login",
        data={"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD},
    )
    assert response.status_code == 200 and response.json()["access_token"]


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient, admin: User) -> None:
    wrong, unknown = login(client, "wrong password"), login(client, username="nobody")
    for response in (wrong, unknown):
        assert_unauthorized(response)
        assert "set-cookie" not in response.headers
    assert wrong.json() == unknown.json()


def test_unknown_user_still_verifies_a_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same work as a wrong password: an argon2 verification against a dummy hash.
    verified: list[str] = []
    real_verify = security._passwords.verify

    def spy(password: str, password_hash: str) -> bool:
        verified.append(password_hash)
        return bool(real_verify(password, password_hash))

    monkeypatch.setattr(security._passwords, "verify", spy)
    assert security.verify_password("guess", None) is False
    assert len(verified) == 1 and verified[0].startswith("$argon2")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"username": "admin"}},
        {"json": {"password": "x"}},
        {"json": {"username": "", "password": "x"}},
        {"json": {"username": ["admin"], "password": "x"}},
        {"json": ["admin", "x"]},
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}},
        {"data": {"username": "admin"}},
        {"json": {"username": "a" * 65, "password": "x"}},
    ],
)
def test_malformed_login_bodies_get_422(client: TestClient, kwargs: dict[str, Any]) -> None:
    response = client.post("/api/login", **kwargs)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert all("input" not in error for error in response.json()["detail"])


def test_lockout_per_username(app: FastAPI, admin: User, session: Session) -> None:
    # Three failures from three addresses lock the username, even for the right password.
    for n in range(3):
        with TestClient(app, client=(f"10.0.0.{n}", 1000)) as client:
            assert login(client, "wrong").status_code == 401
    with TestClient(app, client=("10.0.0.9", 1000)) as client:
        locked = login(client)
        assert locked.status_code == 429
        assert 0 < int(locked.headers["retry-after"]) <= 600
        assert login(client, username="someone-else").status_code == 401

    # Once the failures leave the window, the right password works again.
    session.execute(update(LoginFailure).values(failed_at=utcnow() - timedelta(seconds=601)))
    session.commit()
    with TestClient(app, client=("10.0.0.9", 1000)) as client:
        assert login(client).status_code == 200
    assert session.scalars(select(LoginFailure).where(LoginFailure.username == "admin")).all() == []


def test_lockout_per_client_address(app: FastAPI, admin: User) -> None:
    with TestClient(app, client=("192.0.2.7", 1000)) as client:
        for name in ("alice", "bob", "carol"):
            assert login(client, username=name).status_code == 401
        assert login(client).status_code == 429  # the right password, from a locked address
    with TestClient(app, client=("192.0.2.8", 1000)) as client:
        assert login(client).status_code == 200


@pytest.mark.parametrize("path", CAR_ENDPOINTS)
def test_car_endpoints_need_a_token(client: TestClient, path: str) -> None:
    assert_unauthorized(client.get(path))
    assert_unauthorized(client.get(path, headers={"Authorization": "Basic YWRtaW46YWRtaW4="}))


def forged_tokens(user_id: int, settings: Settings) -> dict[str, str]:
    now = utcnow()
    good = create_access_token(user_id, settings=settings, now=now)
    head, payload, signature = good.split(".")
    claims = {"sub": str(user_id), "exp": now + timedelta(minutes=5)}
    other = jwt.api_jws.base64url_encode(b'{"sub":"999","exp":9999999999}').decode()
    return {
        "expired": create_access_token(user_id, settings=settings, now=now - timedelta(hours=1)),
        "bad signature": f"{head}.{payload}.{signature[:-4]}AAAA",
        "tampered payload": f"{head}.{other}.{signature}",
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "other secret": jwt.encode(claims, "another-secret-32-bytes-long-xxxxxx", "HS256"),
        "HS512": jwt.encode(claims, TEST_SECRET, algorithm="HS512"),
        "no exp": jwt.encode({"sub": str(user_id)}, TEST_SECRET, algorithm="HS256"),
        "no sub": jwt.encode({"exp": now + timedelta(minutes=5)}, TEST_SECRET, "HS256"),
        "unknown user": create_access_token(user_id + 100, settings=settings, now=now),
        "not a jwt": "garbage",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "expired", "bad signature", "tampered payload", "alg none", "other secret", "HS512",
        "no exp", "no sub", "not a jwt",
    ],
)  # fmt: skip
def test_bad_tokens_get_401(client: TestClient, admin: User, settings: Settings, kind: str) -> None:
    token = forged_tokens(admin.id, settings)[kind]
    for path in [*CAR_ENDPOINTS, "/api/me"]:
        assert_unauthorized(client.get(path, headers=bearer(token)))


def test_me_names_the_signed_in_user(client: TestClient, admin: User, settings: Settings) -> None:
    token = login(client).json()["access_token"]
    assert client.get("/api/me", headers=bearer(token)).json() == {
        "id": admin.id,
        "username": "admin",
        "is_admin": True,
    }
    assert_unauthorized(client.get("/api/me"))
    assert_unauthorized(
        client.get("/api/me", headers=bearer(forged_tokens(admin.id, settings)["unknown user"]))
    )


def test_a_deactivated_user_is_out_within_one_token_lifetime(
    client: TestClient, session: Session, admin: User, auth: dict[str, str]
) -> None:
    refresh = login(client).cookies["refresh_token"]
    admin.is_active = False
    session.commit()
    # Access tokens are checked by signature alone until they expire (15 minutes)...
    assert client.get("/api/cars", headers=auth).status_code == 200
    # ...but nothing new is issued, and /api/me checks the user row.
    assert_unauthorized(refresh_with(client, refresh))
    assert_unauthorized(login(client))
    assert_unauthorized(client.get("/api/me", headers=auth))


def refresh_with(client: TestClient, token: str) -> Any:
    client.cookies.set("refresh_token", token)
    return client.post("/api/refresh")


def stored_tokens(session: Session) -> list[RefreshToken]:
    session.expire_all()
    return list(session.scalars(select(RefreshToken).order_by(RefreshToken.id)))


def test_refresh_rotates_and_stores_only_hashes(
    client: TestClient, session: Session, admin: User
) -> None:
    first = login(client).cookies["refresh_token"]
    response = client.post("/api/refresh")
    assert response.status_code == 200
    assert response.json()["access_token"] and response.json()["token_type"] == "bearer"
    second = response.cookies["refresh_token"]
    assert second != first
    old, new = stored_tokens(session)
    assert old.token_hash == hashlib.sha256(first.encode()).hexdigest()
    assert new.token_hash == hashlib.sha256(second.encode()).hexdigest()
    assert old.revoked_at is not None and new.revoked_at is None
    assert old.family_id == new.family_id
    assert {first, second}.isdisjoint({old.token_hash, new.token_hash})
    assert client.get("/api/cars", headers=bearer(response.json()["access_token"])).is_success


def test_reusing_a_rotated_token_revokes_the_family(
    client: TestClient, session: Session, admin: User
) -> None:
    first = login(client).cookies["refresh_token"]
    second = client.post("/api/refresh").cookies["refresh_token"]
    client.cookies.clear()

    assert_unauthorized(refresh_with(client, first))
    assert all(token.revoked_at is not None for token in stored_tokens(session))
    # The thief's replay also killed the legitimate, newer token.
    assert_unauthorized(refresh_with(client, second))


def test_logout_revokes_and_clears_the_cookie(
    client: TestClient, session: Session, admin: User
) -> None:
    token = login(client).cookies["refresh_token"]
    response = client.post("/api/logout")
    assert response.status_code == 204
    assert 'refresh_token=""' in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert all(stored.revoked_at is not None for stored in stored_tokens(session))
    assert_unauthorized(refresh_with(client, token))
    client.cookies.clear()
    assert client.post("/api/logout").status_code == 204  # idempotent, even without a cookie


def test_expired_missing_or_unknown_refresh_tokens_get_401(
    client: TestClient, session: Session, admin: User
) -> None:
    token = login(client).cookies["refresh_token"]
    client.cookies.clear()
    assert_unauthorized(client.post("/api/refresh"))
    assert_unauthorized(refresh_with(client, "made-up"))
    session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert_unauthorized(refresh_with(client, token))


def test_production_cookie_is_secure(db_url: str, admin: User) -> None:
    settings = Settings(database_url=db_url, secret_key="p" * 40, app_env="production")
    with TestClient(create_app(settings)) as client:
        assert "Secure" in login(client).headers["set-cookie"]


@pytest.mark.parametrize(
    ("secret", "env", "message"),
    [
        ("short", "development", "at least 32 bytes"),
        ("é" * 15, "development", "at least 32 bytes"),  # 30 bytes
        (EXAMPLE_SECRET_KEY, "production", "example secret"),
    ],
)
def test_startup_refuses_weak_secrets(secret: str, env: str, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        create_app(Settings(secret_key=secret, app_env=env, database_url="sqlite://"))


def test_example_secret_is_fine_outside_production() -> None:
    assert create_app(Settings(database_url="sqlite://", app_env="development")).title
