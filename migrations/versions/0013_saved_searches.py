"""saved searches with their alert watermark; users link a Telegram chat

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """The saved_searches table and the users' Telegram link columns."""
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("telegram_chat_id", sa.BigInteger()))
        users.add_column(sa.Column("link_code_hash", sa.String(64)))
        users.add_column(sa.Column("link_code_expires_at", TS))
        users.create_unique_constraint("uq_users_telegram_chat_id", ["telegram_chat_id"])
        users.create_unique_constraint("uq_users_link_code_hash", ["link_code_hash"])
    op.create_table(
        "saved_searches",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("chat_id", sa.BigInteger()),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("alerted_until", TS, nullable=False),
        sa.Column("last_alert_at", TS),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR chat_id IS NOT NULL", name="ck_saved_searches_owner"
        ),
    )
    op.create_index("ix_saved_searches_user_id", "saved_searches", ["user_id"])
    op.create_index("ix_saved_searches_chat_id", "saved_searches", ["chat_id"])
    op.create_index("ix_saved_searches_alerted_until", "saved_searches", ["alerted_until"])


def downgrade() -> None:
    """Drop them."""
    op.drop_table("saved_searches")
    with op.batch_alter_table("users") as users:
        users.drop_constraint("uq_users_link_code_hash", type_="unique")
        users.drop_constraint("uq_users_telegram_chat_id", type_="unique")
        users.drop_column("link_code_expires_at")
        users.drop_column("link_code_hash")
        users.drop_column("telegram_chat_id")
