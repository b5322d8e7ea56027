"""Chats: the worker writing a long import (the chat is hidden from its owner meanwhile), and
an index for the trash purge.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IMPORTING = sa.text("import_worker_id IS NOT NULL")
_TRASHED = sa.text("deleted_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_worker_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_chats_importing",
            ["import_worker_id"],
            unique=False,
            sqlite_where=_IMPORTING,
            postgresql_where=_IMPORTING,
        )
        batch_op.create_index(
            "ix_chats_trashed",
            ["deleted_at"],
            unique=False,
            sqlite_where=_TRASHED,
            postgresql_where=_TRASHED,
        )


def downgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_index("ix_chats_trashed", sqlite_where=_TRASHED, postgresql_where=_TRASHED)
        batch_op.drop_index(
            "ix_chats_importing", sqlite_where=_IMPORTING, postgresql_where=_IMPORTING
        )
        batch_op.drop_column("import_worker_id")
