"""car_market: the market values move out of `cars` into a narrow table of their own

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name, type: as migrations 0014 and 0015 added them to cars.
VALUES = (
    ("market_price_jpy", sa.BigInteger()),
    ("market_p25_jpy", sa.BigInteger()),
    ("market_p75_jpy", sa.BigInteger()),
    ("market_comparables", sa.Integer()),
    ("deal", sa.String(16)),
    ("deal_ratio", sa.Double()),
    ("market_discount_jpy", sa.BigInteger()),
    ("price_change_jpy", sa.BigInteger()),
    ("price_changed_at", sa.DateTime(timezone=True)),
)
NAMES = [name for name, _ in VALUES]
CARS = sa.table("cars", sa.column("id"), *map(sa.column, NAMES))
MARKET = sa.table("car_market", sa.column("car_id"), *map(sa.column, NAMES))
DEALS = "'great', 'good', 'fair', 'high', 'overpriced'"
SORTS = (("deal", "deal_ratio"), ("discount", "market_discount_jpy"))


def _sort_indexes(table: str, leading: str, tie: str) -> None:
    """The deal and discount sorts' indexes, and on PostgreSQL their DESC NULLS LAST twins."""
    prefix = "ix_cars_sort" if table == "cars" else "ix_car_market"
    for name, key in SORTS:
        op.create_index(f"{prefix}_{name}", table, [*leading, key, tie])
        if op.get_bind().dialect.name == "postgresql":
            columns = ", ".join([*leading, f"{key} DESC NULLS LAST", f"{tie} DESC"])
            op.create_index(f"{prefix}_{name}_desc", table, [sa.text(columns)])


def upgrade() -> None:
    """Create car_market with the cars' values, then drop them from cars.

    A recompute rewrites most cars' values (docs/benchmarks.md, "Market value"); an UPDATE of
    `cars` writes an entry in each of its 22 indexes, of car_market in its 5.
    """
    op.create_table(
        "car_market",
        sa.Column(
            "car_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("cars.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        *(sa.Column(name, type_) for name, type_ in VALUES),
        sa.CheckConstraint(f"deal IN ({DEALS})", name="ck_car_market_deal"),
    )
    valued = sa.or_(CARS.c.market_comparables.is_not(None), CARS.c.price_change_jpy.is_not(None))
    columns = sa.select(CARS.c.id, *(CARS.c[name] for name in NAMES)).where(valued)
    op.execute(sa.insert(MARKET).from_select(["car_id", *NAMES], columns))
    _sort_indexes("car_market", [], "car_id")
    for name, _ in SORTS:
        if op.get_bind().dialect.name == "postgresql":
            op.drop_index(f"ix_cars_sort_{name}_desc", "cars")
        op.drop_index(f"ix_cars_sort_{name}", "cars")
    # PostgreSQL drops ck_cars_deal with its column; SQLite never had it (migration 0014).
    for name in NAMES:
        op.drop_column("cars", name)


def downgrade() -> None:
    """Put the values back on cars and drop car_market."""
    for name, type_ in VALUES:
        op.add_column("cars", sa.Column(name, type_))
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint("ck_cars_deal", "cars", f"deal IN ({DEALS})")
    of_car = MARKET.c.car_id == CARS.c.id
    values = {name: sa.select(MARKET.c[name]).where(of_car).scalar_subquery() for name in NAMES}
    op.execute(sa.update(CARS).values(values))
    _sort_indexes("cars", ["is_active"], "id")
    op.drop_table("car_market")
