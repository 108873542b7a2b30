"""users, refresh tokens, login failures; the API's sort and search indexes on cars

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)

# Frozen copies of core.filters' expressions; PostgreSQL matches an index by its expression.
EFFECTIVE_PRICE = "coalesce(total_price_jpy, price_jpy)"
SEARCH_TEXT = " || ' ' || ".join(
    f"coalesce({column}, '')" for column in ("make", "make_ja", "model", "model_ja", "grade")
)
# One index per sort: is_active (the default filter) first, the key, then id (the tie-break),
# so ORDER BY key, id LIMIT n walks the index. NULLs sort last in both directions, which on
# PostgreSQL needs a DESC NULLS LAST twin for a nullable key; SQLite gets that order from the
# ascending index read backwards.
SORT_KEYS = {"price": f"({EFFECTIVE_PRICE})", "year": "year", "mileage": "mileage_km"}


def upgrade() -> None:
    """Create the auth tables and the indexes behind GET /api/cars."""
    op.create_table(
        "users",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("family_id", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("failed_at", TS, nullable=False),
    )
    op.create_index(
        "ix_login_failures_username_failed_at", "login_failures", ["username", "failed_at"]
    )
    op.create_index(
        "ix_login_failures_client_failed_at", "login_failures", ["client_address", "failed_at"]
    )

    postgres = op.get_bind().dialect.name == "postgresql"
    # INCLUDE the price columns, so a deep page can skip rows by an index-only scan (PostgreSQL
    # will not answer coalesce(...) from an expression index alone).
    covering = {"postgresql_include": ["total_price_jpy", "price_jpy"]}
    for name, key in SORT_KEYS.items():
        extra = covering if name == "price" else {}
        op.create_index(f"ix_cars_sort_{name}", "cars", [sa.text(f"is_active, {key}, id")], **extra)
        if postgres:
            op.create_index(
                f"ix_cars_sort_{name}_desc",
                "cars",
                [sa.text(f"is_active, {key} DESC NULLS LAST, id DESC")],
                **extra,
            )
    op.create_index("ix_cars_sort_updated", "cars", ["is_active", "updated_at", "id"])
    if postgres:
        # Free-text search (ILIKE '%…%') over makes, models and grades, Latin or Japanese.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX ix_cars_search_trgm ON cars USING gin (({SEARCH_TEXT}) gin_trgm_ops)"
        )


def downgrade() -> None:
    """Drop the indexes and the auth tables."""
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_index("ix_cars_search_trgm", "cars")
    op.drop_index("ix_cars_sort_updated", "cars")
    for name in SORT_KEYS:
        op.drop_index(f"ix_cars_sort_{name}", "cars")
        if postgres:
            op.drop_index(f"ix_cars_sort_{name}_desc", "cars")
    op.drop_table("login_failures")
    op.drop_table("refresh_tokens")
    op.drop_table("users")
