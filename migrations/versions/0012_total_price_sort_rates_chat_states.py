"""cars sort by total price; exchange rates from a feed; the bot's chat states

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of the expression the price indexes had; PostgreSQL matches an index by it.
EFFECTIVE_PRICE = "coalesce(total_price_jpy, price_jpy)"
TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _price_indexes(key: str, include: list[str]) -> None:
    """The three indexes of the price sort (overall, newest-first twin, one make) on `key`."""
    op.create_index(
        "ix_cars_sort_price", "cars", [sa.text(f"is_active, {key}, id")], postgresql_include=include
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_cars_sort_price_desc",
            "cars",
            [sa.text(f"is_active, {key} DESC NULLS LAST, id DESC")],
            postgresql_include=include,
        )
    op.create_index(
        "ix_cars_make_price",
        "cars",
        [sa.text(f"make, is_active, {key}, id")],
        postgresql_include=[*include, "model"],
    )


def _drop_price_indexes() -> None:
    op.drop_index("ix_cars_make_price", "cars")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_cars_sort_price_desc", "cars")
    op.drop_index("ix_cars_sort_price", "cars")


def upgrade() -> None:
    """Sort by total price with the cars that have none last; add the two new tables.

    The price sort was by total price or, lacking one, the base price: a car whose dealer
    states no total (応談) then sat among the cheapest with an empty "Total price" cell.
    """
    _drop_price_indexes()
    _price_indexes("total_price_jpy", ["price_jpy"])
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("yen_per_unit", sa.Double(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
    )
    op.create_table(
        "chat_states",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(255)),
        sa.Column("data", JSON),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    """Drop the tables and put back the price indexes of migrations 0002 and 0005."""
    op.drop_table("chat_states")
    op.drop_table("exchange_rates")
    _drop_price_indexes()
    _price_indexes(f"({EFFECTIVE_PRICE})", ["total_price_jpy", "price_jpy"])
