"""Users: an index of the blocked accounts, whose characters the catalog leaves out.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_users_blocked",
        "users",
        ["id"],
        unique=False,
        sqlite_where=sa.text("is_blocked = true"),
        postgresql_where=sa.text("is_blocked = true"),
    )


def downgrade() -> None:
    op.drop_index("ix_users_blocked", table_name="users")
