"""The signing key (no working key ships with the code), APP_ENV, and production's refusals."""

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_admin, preflight
from api.app import create_app
from api.security import _create_key_file, password_problem, resolve_secret_key
from core.models import User, utcnow
from core.settings import Settings
from tests.api.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
# A quoted literal of 16+ characters, looked for at every quote (overlapping), so that a stray
# apostrophe in prose cannot swallow the opening quote of a real literal after it.
QUOTED = re.compile(r"""(?=(["'`])((?:(?!\1)[^\\\n]|\\.){16,})\1)""")
STRONG = "a long enough passphrase"


def repository_strings() -> set[str]:
    """Every quoted string of 16+ characters in the repository's text files (tracked or new)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = set()
    for name in filter(None, listing.split("\0")):
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue  # binary, or deleted in the working tree
        found.update(match.group(2) for match in QUOTED.finditer(text))
    return found


def forge(key: str, user_id: int) -> dict[str, str]:
    """A bearer header with an HS256 token for `user_id` signed with `key`, valid for 10 min."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(utcnow().timestamp())
    claims = {"sub": str(user_id), "iat": now, "exp": now + 600}
    body = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(json.dumps(claims).encode())
    signature = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    return {"Authorization": f"Bearer {body}.{part(signature)}"}


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """Where the keyless settings keep their key (not created yet)."""
    return tmp_path / "var" / "secret_key"


@pytest.fixture
def keyless(key_file: Path) -> Settings:
    """Development with SECRET_KEY unset (and a database that is never reached)."""
    return Settings(
        database_url="sqlite://", secret_key=None, secret_key_file=key_file, app_env="development"
    )


def in_production(settings: Settings, **update: object) -> Settings:
    return settings.model_copy(update={"app_env": "production", **update})


# SQLite only: the database plays no part in refusing a signature, and each of the thousands of
# requests costs a few milliseconds.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_token_forged_with_any_string_in_the_repository_is_refused(
    settings: Settings, key_file: Path, admin: User
) -> None:
    strings = repository_strings()
    assert TEST_SECRET in strings  # the extraction sees the literals the tests themselves use
    keyless = settings.model_copy(update={"secret_key": None, "secret_key_file": key_file})
    with TestClient(create_app(keyless)) as client:
        # The control: a token signed with the key the app made for itself is accepted.
        key = key_file.read_text().strip()
        assert client.get("/api/me", headers=forge(key, admin.id)).status_code == 200
        accepted = [
            string
            for string in sorted(strings)
            if client.get("/api/me", headers=forge(string, admin.id)).status_code != 401
        ]
    assert len(strings) > 1000
    assert accepted == []


def test_the_dev_key_file_is_made_once_with_mode_0600_and_reused(
    keyless: Settings, key_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="api.security"):
        first = resolve_secret_key(keyless)
    assert oct(key_file.stat().st_mode & 0o777) == oct(0o600)
    assert key_file.read_text().strip() == first.get_secret_value()
    assert len(first.get_secret_value()) == 64  # secrets.token_urlsafe(48)
    assert [str(key_file) in record.getMessage() for record in caplog.records] == [True]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="api.security"):
        again = create_app(keyless).state.settings.secret_key
    assert again == first
    assert caplog.records == []
    assert sorted(key_file.parent.iterdir()) == [key_file]


def test_a_process_that_loses_the_race_keeps_the_winners_key(key_file: Path) -> None:
    _create_key_file(key_file)
    winner = key_file.read_text()
    _create_key_file(key_file)
    assert key_file.read_text() == winner
    assert sorted(key_file.parent.iterdir()) == [key_file]  # no draft left behind


def test_test_env_also_makes_its_key(keyless: Settings, key_file: Path) -> None:
    resolve_secret_key(keyless.model_copy(update={"app_env": "test"}))
    assert key_file.is_file()


def test_an_explicit_secret_key_wins_and_no_file_is_made(keyless: Settings, key_file: Path) -> None:
    explicit = keyless.model_copy(update={"secret_key": SecretStr(TEST_SECRET)})
    assert create_app(explicit).state.settings.secret_key == SecretStr(TEST_SECRET)
    assert not key_file.exists()


def test_production_refuses_to_start_without_a_key(keyless: Settings, key_file: Path) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY .*SECRET_KEY_FILE") as refused:
        create_app(in_production(keyless))
    assert str(key_file) in str(refused.value)
    assert not key_file.exists()  # production reads a key file, never makes one


@pytest.mark.parametrize("env", ["development", "test", "production"])
def test_every_environment_refuses_a_short_key(keyless: Settings, env: str) -> None:
    with pytest.raises(RuntimeError, match="shorter than 32 bytes"):
        create_app(keyless.model_copy(update={"app_env": env, "secret_key": SecretStr("k" * 31)}))
    with pytest.raises(RuntimeError, match="shorter than 32 bytes"):
        create_app(keyless.model_copy(update={"app_env": env, "secret_key": SecretStr("é" * 15)}))


def test_a_short_key_in_the_file_is_refused(keyless: Settings, key_file: Path) -> None:
    key_file.parent.mkdir()
    key_file.write_text("x" * 31)
    key_file.chmod(0o600)
    with pytest.raises(RuntimeError, match=f"{re.escape(str(key_file))} is shorter than 32"):
        create_app(in_production(keyless))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_production_refuses_a_key_file_others_can_read(
    keyless: Settings, key_file: Path, mode: int
) -> None:
    key_file.parent.mkdir()
    key_file.write_text("k" * 40)
    key_file.chmod(mode)
    with pytest.raises(RuntimeError, match=f"{re.escape(str(key_file))} has mode 0{mode:o}"):
        create_app(in_production(keyless))


def test_production_reads_a_private_key_file(keyless: Settings, key_file: Path) -> None:
    key_file.parent.mkdir()
    key_file.write_text("k" * 40 + "\n")
    key_file.chmod(0o600)
    assert create_app(in_production(keyless)).state.settings.secret_key == SecretStr("k" * 40)


@pytest.mark.parametrize("value", ["prod", "Production", "staging", ""])
def test_app_env_accepts_only_the_three_names(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("APP_ENV", value)
    with pytest.raises(ValidationError, match="'development', 'test' or 'production'"):
        Settings()


@pytest.mark.parametrize("value", ["development", "test", "production"])
def test_app_env_names(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("APP_ENV", value)
    assert Settings().is_production is (value == "production")


def test_a_blank_secret_key_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "")  # what compose passes when .env leaves it out
    assert Settings().secret_key is None


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("carsensor-demo", "admin", "admin / carsensor-demo is the published demo login"),
        ("carsensor-demo", "sales", "the password is the published demo password"),
        ("short-11-ch", "sales", "the password is shorter than 12 characters"),
        ("twelve-chars", "admin", None),
        ("Sales-Manager-1", "sales-manager-1", "the password is the username"),
        (STRONG, "admin", None),
    ],
)
def test_password_rules(password: str, username: str, problem: str | None) -> None:
    assert password_problem(password, username=username) == problem


@pytest.mark.parametrize(
    ("username", "password", "why"),
    [
        ("admin", "carsensor-demo", "admin / carsensor-demo is the published demo login"),
        ("boss", "carsensor-demo", "the password is the published demo password"),
        ("boss", "0123456789a", "the password is shorter than 12 characters"),
    ],
)
def test_create_admin_in_production_refuses_weak_passwords(
    settings: Settings,
    session: Session,
    caplog: pytest.LogCaptureFixture,
    username: str,
    password: str,
    why: str,
) -> None:
    weak = in_production(settings, admin_username=username, admin_password=SecretStr(password))
    with caplog.at_level(logging.ERROR, logger="api.create_admin"):
        assert create_admin.main(weak) == 2
    assert f"refused in production: ADMIN_PASSWORD: {why}" in caplog.text
    assert session.scalar(select(User).where(User.username == username)) is None


def test_create_admin_in_production_accepts_a_strong_password(
    settings: Settings, session: Session
) -> None:
    strong = in_production(settings, admin_username="admin", admin_password=SecretStr(STRONG))
    assert create_admin.main(strong) == 0
    assert session.scalar(select(User.is_admin).where(User.username == "admin")) is True


def test_create_admin_in_development_seeds_the_demo_login_with_a_warning(
    settings: Settings, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    demo = settings.model_copy(
        update={"admin_username": "admin", "admin_password": SecretStr("carsensor-demo")}
    )
    with caplog.at_level(logging.WARNING, logger="api.create_admin"):
        assert create_admin.main(demo) == 0
    assert "refused in production" in caplog.text
    assert session.scalar(select(User.username).where(User.is_admin)) == "admin"


def test_preflight_in_production_names_every_missing_setting(
    keyless: Settings, key_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    compose_like = in_production(
        keyless,
        admin_password=SecretStr("carsensor-demo"),
        database_url="postgresql+psycopg://carsensor:carsensor@postgres:5432/carsensor",
    )
    with caplog.at_level(logging.ERROR, logger="api.preflight"):
        assert preflight.main(compose_like) == 2
    assert "set SECRET_KEY, ADMIN_PASSWORD, POSTGRES_PASSWORD" in caplog.text
    assert not key_file.exists()
    missing = in_production(compose_like, admin_password=None)
    assert [variable for variable, _ in preflight.problems(missing)] == [
        "SECRET_KEY",
        "ADMIN_PASSWORD",
        "POSTGRES_PASSWORD",
    ]


def test_preflight_passes_a_complete_production_setup(keyless: Settings) -> None:
    ready = in_production(
        keyless,
        secret_key=SecretStr(os.urandom(24).hex()),
        admin_password=SecretStr(STRONG),
        database_url="postgresql+psycopg://carsensor:own-password@postgres:5432/carsensor",
    )
    assert preflight.problems(ready) == []
    assert preflight.main(ready) == 0


def test_preflight_in_development_makes_the_key(keyless: Settings, key_file: Path) -> None:
    assert preflight.main(keyless) == 0
    assert oct(key_file.stat().st_mode & 0o777) == oct(0o600)
