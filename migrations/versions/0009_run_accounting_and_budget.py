"""crawl_runs progress and listing counts written by the crawl; the site-wide request budget

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "pages_expected",
    "listings_new",
    "listings_changed",
    "listings_unchanged",
    "listings_gone",
    "listings_reappeared",
    "details_fetched",
    "details_failed",
)


def upgrade() -> None:
    """Add the crawl's own report columns to crawl_runs, and the crawl_budget table."""
    with op.batch_alter_table("crawl_runs") as runs:
        for name in COUNTS:
            runs.add_column(sa.Column(name, sa.Integer()))
        runs.add_column(sa.Column("progress_at", sa.DateTime(timezone=True)))
        runs.add_column(sa.Column("outcome", sa.String(16)))
    op.create_table(
        "crawl_budget",
        sa.Column("site", sa.String(255), primary_key=True),
        sa.Column("next_at", sa.Double(), nullable=False),
        sa.Column("list_at", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("crawl_budget")
    with op.batch_alter_table("crawl_runs") as runs:
        for name in (*COUNTS, "progress_at", "outcome"):
            runs.drop_column(name)
