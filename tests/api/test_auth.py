"""Sign-in: login (JSON and form), access tokens, refresh rotation, reuse, logout.

Throttling has its own module, test_throttle.py.
"""

import hashlib
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import security
from api.app import create_app
from api.security import create_access_token
from core.models import RefreshToken, User, utcnow
from core.settings import Settings
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
    expected = {"detail": "Incorrect username or password", "attempts_left": 2}
    assert wrong.json() == unknown.json() == expected


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


# Validly signed, but naming no possible users.id: int() would take most of them, and a
# BIGINT overflow used to be a 500 from the database.
NOT_USER_IDS = [
    "0", "-1", "abc", "9223372036854775808", "1e3", " 1", "1 ", "01", "+1", "1_000", "１", "",
]  # fmt: skip


@pytest.mark.parametrize("subject", NOT_USER_IDS)
def test_token_subjects_that_are_not_a_user_id_get_401(
    client: TestClient, admin: User, subject: str
) -> None:
    claims = {"sub": subject, "exp": utcnow() + timedelta(minutes=5)}
    token = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
    for path in [*CAR_ENDPOINTS, "/api/me"]:
        assert_unauthorized(client.get(path, headers=bearer(token)))


def test_the_largest_user_id_is_a_valid_subject_of_no_one(
    client: TestClient, admin: User, settings: Settings
) -> None:
    # In range, so it reaches the database, which knows no such user: a 401, not a 500.
    token = create_access_token(2**63 - 1, settings=settings, now=utcnow())
    assert_unauthorized(client.get("/api/me", headers=bearer(token)))


def test_me_names_the_signed_in_user(client: TestClient, admin: User, settings: Settings) -> None:
    token = login(client).json()["access_token"]
    assert client.get("/api/me", headers=bearer(token)).json() == {
        "id": admin.id,
        "username": "admin",
        "is_admin": True,
        "telegram_linked": False,
    }
    assert_unauthorized(client.get("/api/me"))
    assert_unauthorized(
        client.get("/api/me", headers=bearer(forged_tokens(admin.id, settings)["unknown user"]))
    )


def test_a_user_deactivated_in_the_database_is_out_at_the_next_request(
    client: TestClient, session: Session, admin: User, auth: dict[str, str]
) -> None:
    refresh = login(client).cookies["refresh_token"]
    admin.is_active = False
    session.commit()
    # No account was read yet, so the first look sees the change (else: ACCOUNT_CACHE_SECONDS).
    assert_unauthorized(client.get("/api/cars", headers=auth))
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
