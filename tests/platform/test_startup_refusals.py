"""The real commands refuse to start, with their message and exit status, as a shell sees them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python *args` in an empty folder (no developer's .env), with only `env` set."""
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    clean |= {"PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'cars.db'}"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("carsensor-demo", "admin / carsensor-demo is the published demo login"),
        ("0123456789a", "the password is shorter than 12 characters"),
    ],
)
def test_create_admin_exits_2_on_a_weak_password_in_production(
    tmp_path: Path, password: str, why: str
) -> None:
    done = run(tmp_path, "-m", "api.create_admin", APP_ENV="production", ADMIN_PASSWORD=password)
    assert done.returncode == 2
    assert f"refused in production: ADMIN_PASSWORD: {why}" in done.stderr


def test_preflight_exits_2_on_an_unknown_app_env(tmp_path: Path) -> None:
    done = run(tmp_path, "-m", "api.preflight", APP_ENV="prod")
    assert done.returncode == 2
    assert "app_env" in done.stderr
    assert "'development', 'test' or 'production'" in done.stderr


def test_the_api_refuses_to_start_in_production_without_a_key(tmp_path: Path) -> None:
    done = run(tmp_path, "-c", "import api.main", APP_ENV="production")
    assert done.returncode == 1
    assert "APP_ENV=production needs a secret key" in done.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_the_api_in_development_makes_its_key_in_var(tmp_path: Path) -> None:
    done = run(tmp_path, "-c", "import api.main", APP_ENV="development")
    assert done.returncode == 0, done.stderr
    assert f"generated a random key in {Path('var') / 'secret_key'}" in done.stderr
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
