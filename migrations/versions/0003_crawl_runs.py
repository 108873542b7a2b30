"""crawl_runs: the scheduler's record of every scrapyd job

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
# A frozen copy of core.models.CRAWL_STATUSES.
STATUSES = ("pending", "running", "finished", "failed", "lost")


def upgrade() -> None:
    """Create crawl_runs."""
    allowed = ", ".join(f"'{s}'" for s in STATUSES)
    op.create_table(
        "crawl_runs",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("shard", sa.String(16), nullable=False),
        sa.Column("node", sa.Text(), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("items_stored", sa.Integer()),
        sa.Column("items_dropped", sa.Integer()),
        sa.Column("errors", sa.Integer()),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(f"status IN ({allowed})", name="ck_crawl_runs_status"),
    )
    op.create_index("ix_crawl_runs_shard", "crawl_runs", ["shard", "id"])
    op.create_index("ix_crawl_runs_status", "crawl_runs", ["status"])
    # At most one pending or running run per shard: the scheduler's lock against itself and the API.
    active = sa.text("status IN ('pending', 'running')")
    op.create_index(
        "uq_crawl_runs_active_shard",
        "crawl_runs",
        ["shard"],
        unique=True,
        postgresql_where=active,
        sqlite_where=active,
    )


def downgrade() -> None:
    """Drop crawl_runs."""
    op.drop_table("crawl_runs")
