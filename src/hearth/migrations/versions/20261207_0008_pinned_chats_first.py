"""Chats: the list puts pinned chats first, so its index leads with `pinned` after the owner.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_index("ix_chats_user_id_deleted_at_last_message_at")
        batch_op.create_index(
            "ix_chats_user_list",
            ["user_id", "deleted_at", "pinned", "last_message_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_index("ix_chats_user_list")
        batch_op.create_index(
            "ix_chats_user_id_deleted_at_last_message_at",
            ["user_id", "deleted_at", "last_message_at", "id"],
            unique=False,
        )
