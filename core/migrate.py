"""Alembic's `upgrade head` on a URL given in code, for the tests and benches that make databases.

It reads alembic.ini beside the `core` package: a checkout, or /app in the API image.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"


def migrate(url: str) -> None:
    """Run every Alembic migration against `url`, leaving the caller's logging alone."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")
