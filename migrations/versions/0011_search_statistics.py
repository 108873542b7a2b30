"""cars: a finer sample of the search text's statistics, so free-text pages take the trigram index

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Sample 300k rows for the search text instead of 30k (PostgreSQL only).

    With the default sample, whether a term such as "prius" (0.2 % of the cars) shows up in
    the 101 entries of the histogram is luck: when it does, the planner expects about 1 % and
    walks the newest-first index testing each row's text (6.3–9.3 ms at 70k and 200k cars)
    instead of asking the trigram index (0.7–2.0 ms). ANALYZE of cars takes 2.1 s instead of
    0.4 s at 200k.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_cars_search_trgm ALTER COLUMN 1 SET STATISTICS 1000")
        op.execute("ANALYZE cars")


def downgrade() -> None:
    """Back to the default sample."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_cars_search_trgm ALTER COLUMN 1 SET STATISTICS -1")
