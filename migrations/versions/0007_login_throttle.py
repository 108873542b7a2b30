"""login_failures indexed for throttling per username and address together

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-20
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Count failures per (username, address) and purge old ones by index."""
    # Its leading username column still serves the lookups of the index it replaces.
    op.create_index(
        "ix_login_failures_username_client_failed_at",
        "login_failures",
        ["username", "client_address", "failed_at"],
    )
    op.drop_index("ix_login_failures_username_failed_at", "login_failures")
    op.create_index("ix_login_failures_failed_at", "login_failures", ["failed_at"])


def downgrade() -> None:
    """Back to the per-username index."""
    op.drop_index("ix_login_failures_failed_at", "login_failures")
    op.create_index(
        "ix_login_failures_username_failed_at", "login_failures", ["username", "failed_at"]
    )
    op.drop_index("ix_login_failures_username_client_failed_at", "login_failures")
