"""cars and car_price_history

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of core.vocab's enums: a migration must not change when the code does.
TRANSMISSIONS = ("automatic", "cvt", "manual")
FUELS = ("gasoline", "diesel", "hybrid", "electric", "other")
BODY_TYPES = (
    "sedan", "hatchback", "suv", "minivan", "wagon", "coupe",
    "convertible", "kei", "truck", "van", "other",
)  # fmt: skip
COLORS = (
    "white", "black", "gray", "silver", "red", "blue", "green", "yellow",
    "orange", "brown", "beige", "gold", "purple", "pink", "other",
)  # fmt: skip

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"ck_cars_{column}")


def upgrade() -> None:
    """Create the cars and price-history tables with the filter indexes."""
    op.create_table(
        "cars",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("make", sa.String(64)),
        sa.Column("make_ja", sa.Text()),
        sa.Column("make_code", sa.String(8)),
        sa.Column("model", sa.String(128)),
        sa.Column("model_ja", sa.Text()),
        sa.Column("grade", sa.Text()),
        sa.Column("year", sa.Integer()),
        sa.Column("mileage_km", sa.Integer()),
        sa.Column("price_jpy", sa.BigInteger()),
        sa.Column("total_price_jpy", sa.BigInteger()),
        sa.Column("engine_cc", sa.Integer()),
        sa.Column("transmission", sa.String(16)),
        sa.Column("fuel", sa.String(16)),
        sa.Column("body_type", sa.String(16)),
        sa.Column("color", sa.String(16)),
        sa.Column("transmission_ja", sa.Text()),
        sa.Column("fuel_ja", sa.Text()),
        sa.Column("body_type_ja", sa.Text()),
        sa.Column("color_ja", sa.Text()),
        sa.Column("drive", sa.Text()),
        sa.Column("seats", sa.Integer()),
        sa.Column("doors", sa.Integer()),
        sa.Column("repair_history", sa.Boolean()),
        sa.Column("inspection", sa.Text()),
        sa.Column("prefecture", sa.Text()),
        sa.Column("city", sa.Text()),
        sa.Column("shop_name", sa.Text()),
        sa.Column("shop_url", sa.Text()),
        sa.Column("image_url", sa.Text()),
        sa.Column("photos", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("detail_fetched_at", TS),
        sa.UniqueConstraint("source", "external_id", name="uq_cars_source_external_id"),
        _one_of("transmission", TRANSMISSIONS),
        _one_of("fuel", FUELS),
        _one_of("body_type", BODY_TYPES),
        _one_of("color", COLORS),
    )
    op.create_index("ix_cars_make_model", "cars", ["make", "model"])
    op.create_index("ix_cars_year", "cars", ["year"])
    op.create_index(
        "ix_cars_effective_price", "cars", [sa.text("coalesce(total_price_jpy, price_jpy)")]
    )
    op.create_index("ix_cars_mileage_km", "cars", ["mileage_km"])
    op.create_index("ix_cars_updated_at", "cars", ["updated_at"])
    op.create_index("ix_cars_stale", "cars", ["source", "is_active", "last_seen_at"])

    op.create_table(
        "car_price_history",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("car_id", BIG_ID, sa.ForeignKey("cars.id", ondelete="CASCADE"), nullable=False),
        sa.Column("price_jpy", sa.BigInteger()),
        sa.Column("total_price_jpy", sa.BigInteger()),
        sa.Column("observed_at", TS, nullable=False),
    )
    op.create_index(
        "ix_car_price_history_car_observed", "car_price_history", ["car_id", "observed_at"]
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("car_price_history")
    op.drop_table("cars")
