"""crawl_runs.monitors and crawl_runs.fill_rates: Spidermon's checks of each run

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add the monitor results and the field fill rates of a run."""
    with op.batch_alter_table("crawl_runs") as runs:
        runs.add_column(sa.Column("monitors", JSON))
        runs.add_column(sa.Column("fill_rates", JSON))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("crawl_runs") as runs:
        runs.drop_column("fill_rates")
        runs.drop_column("monitors")
