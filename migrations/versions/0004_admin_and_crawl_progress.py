"""users.is_admin, and the progress of running crawls

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add users.is_admin and crawl_runs.pages_crawled / items_scraped."""
    with op.batch_alter_table("users") as users:
        users.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("crawl_runs") as runs:
        runs.add_column(sa.Column("pages_crawled", sa.Integer()))
        runs.add_column(sa.Column("items_scraped", sa.Integer()))
    op.create_index("ix_crawl_runs_created_at", "crawl_runs", ["created_at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_crawl_runs_created_at", "crawl_runs")
    with op.batch_alter_table("crawl_runs") as runs:
        runs.drop_column("items_scraped")
        runs.drop_column("pages_crawled")
    with op.batch_alter_table("users") as users:
        users.drop_column("is_admin")
