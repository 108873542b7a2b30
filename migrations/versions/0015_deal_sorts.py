"""cars: the discount under the market price, and the deal and discount sorts; days on market
derived, not stored; when the market values took in a crawl

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTS = (("deal", "deal_ratio"), ("discount", "market_discount_jpy"))


def upgrade() -> None:
    """Add market_discount_jpy (NULL until the next recompute), the two sorts' indexes, and
    crawl_runs.market_valued_at. Drop days_on_market: it grew by one every day for every car on
    sale, so the daily recompute rewrote every row; the API derives it (core.market).

    As migration 0002's sorts: (is_active, key, id), and on PostgreSQL a DESC NULLS LAST twin
    (SQLite reads the ascending one backwards).
    """
    op.add_column("cars", sa.Column("market_discount_jpy", sa.BigInteger()))
    op.drop_column("cars", "days_on_market")
    op.add_column("crawl_runs", sa.Column("market_valued_at", sa.DateTime(timezone=True)))
    for name, key in SORTS:
        op.create_index(f"ix_cars_sort_{name}", "cars", ["is_active", key, "id"])
        if op.get_bind().dialect.name == "postgresql":
            op.create_index(
                f"ix_cars_sort_{name}_desc",
                "cars",
                [sa.text(f"is_active, {key} DESC NULLS LAST, id DESC")],
            )


def downgrade() -> None:
    """Drop them."""
    for name, _ in reversed(SORTS):
        if op.get_bind().dialect.name == "postgresql":
            op.drop_index(f"ix_cars_sort_{name}_desc", "cars")
        op.drop_index(f"ix_cars_sort_{name}", "cars")
    op.drop_column("crawl_runs", "market_valued_at")
    op.add_column("cars", sa.Column("days_on_market", sa.Integer()))
    op.drop_column("cars", "market_discount_jpy")
