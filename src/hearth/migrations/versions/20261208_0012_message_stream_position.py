"""Messages: where their latest generation's event ids start, for re-attach without the hub.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_start", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("stream_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("stream_from")
        batch_op.drop_column("stream_start")
