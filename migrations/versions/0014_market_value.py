"""cars: the market value, the deal rating, days on market and the last price change

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of core.market.DEALS.
DEALS = ("great", "good", "fair", "high", "overpriced")
COLUMNS: tuple[tuple[str, sa.types.TypeEngine[object]], ...] = (
    ("market_price_jpy", sa.BigInteger()),
    ("market_p25_jpy", sa.BigInteger()),
    ("market_p75_jpy", sa.BigInteger()),
    ("market_comparables", sa.Integer()),
    ("deal", sa.String(16)),
    ("deal_ratio", sa.Double()),
    ("days_on_market", sa.Integer()),
    ("price_change_jpy", sa.BigInteger()),
    ("price_changed_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    """Add the columns core.valuation fills; NULL until its first recompute.

    Plain ADD COLUMN, not a batch: SQLite's table copy would lose the expression index of the
    price filter. SQLite cannot add a CHECK to a table it keeps, so the deal's is PostgreSQL's.
    """
    for name, type_ in COLUMNS:
        op.add_column("cars", sa.Column(name, type_))
    if op.get_bind().dialect.name == "postgresql":
        allowed = ", ".join(f"'{deal}'" for deal in DEALS)
        op.create_check_constraint("ck_cars_deal", "cars", f"deal IN ({allowed})")


def downgrade() -> None:
    """Drop them."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_cars_deal", "cars", type_="check")
    for name, _ in reversed(COLUMNS):
        op.drop_column("cars", name)
