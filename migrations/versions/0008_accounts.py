"""users.tokens_valid_after: revoking a user's access tokens at once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add users.tokens_valid_after (NULL: every unexpired token of the user is good)."""
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("tokens_valid_after", sa.DateTime(timezone=True)))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("users") as users:
        users.drop_column("tokens_valid_after")
