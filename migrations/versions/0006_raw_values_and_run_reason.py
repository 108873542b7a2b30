"""cars.raw_values; crawl_runs.reason, the 'incomplete' status, shards of several makers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of core.models.CRAWL_STATUSES, before and after this revision.
STATUSES_BEFORE = ("pending", "running", "finished", "failed", "lost")
STATUSES = ("pending", "running", "finished", "incomplete", "failed", "lost")
JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN ({})".format(", ".join(f"'{s}'" for s in statuses))


def _replace_status_check(statuses: tuple[str, ...]) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table, keeping its
    # named constraints and indexes (the partial unique index on active shards included).
    with op.batch_alter_table("crawl_runs") as runs:
        runs.drop_constraint("ck_crawl_runs_status", type_="check")
        runs.create_check_constraint("ck_crawl_runs_status", _status_check(statuses))


def upgrade() -> None:
    """Add cars.raw_values and crawl_runs.reason; allow status 'incomplete'."""
    op.add_column("cars", sa.Column("raw_values", JSON, nullable=True))
    with op.batch_alter_table("crawl_runs") as runs:
        runs.add_column(sa.Column("reason", sa.Text(), nullable=True))
        # The plan joins up to 8 small makers' codes into one shard: AA+AT+BI+… (23 characters).
        runs.alter_column("shard", type_=sa.String(64), existing_type=sa.String(16))
    _replace_status_check(STATUSES)


def downgrade() -> None:
    """Drop them again; a run recorded as 'incomplete' becomes 'finished', and the runs of
    shards of several makers, which the narrower column cannot hold, are deleted."""
    op.execute(sa.text("UPDATE crawl_runs SET status = 'finished' WHERE status = 'incomplete'"))
    op.execute(sa.text("DELETE FROM crawl_runs WHERE length(shard) > 16"))
    _replace_status_check(STATUSES_BEFORE)
    with op.batch_alter_table("crawl_runs") as runs:
        runs.drop_column("reason")
        runs.alter_column("shard", type_=sa.String(16), existing_type=sa.String(64))
    # Not in batch mode: copying cars would lose its expression indexes (SQLite cannot reflect
    # them); SQLite drops a plain column in place since 3.35.
    op.drop_column("cars", "raw_values")
