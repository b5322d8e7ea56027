"""Chats and messages (one row per message; swipes as a small JSON list per message).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 23:20:19.911408
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hearth.core.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("character_id", sa.Uuid(), nullable=False),
        sa.Column("persona_id", sa.Uuid(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("pinned", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("deleted_at", hearth.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("author_note", sa.Text(), nullable=False),
        sa.Column("author_note_depth", sa.Integer(), server_default=sa.text("4"), nullable=False),
        sa.Column(
            "author_note_frequency", sa.Integer(), server_default=sa.text("1"), nullable=False
        ),
        sa.Column("turns", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("active_message_id", sa.Uuid(), nullable=True),
        sa.Column("last_message_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["characters.id"],
            name=op.f("fk_chats_character_id_characters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["persona_id"],
            ["personas.id"],
            name=op.f("fk_chats_persona_id_personas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chats_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.create_index("ix_chats_active_message_id", ["active_message_id"], unique=False)
        batch_op.create_index("ix_chats_character_id", ["character_id"], unique=False)
        batch_op.create_index(
            "ix_chats_user_id_deleted_at_last_message_at",
            ["user_id", "deleted_at", "last_message_at", "id"],
            unique=False,
        )

    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("chat_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("swipes", sa.JSON(), nullable=True),
        sa.Column("swipe_index", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("hidden", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("ttft_ms", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("finish_reason", sa.String(length=32), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("prompt_snapshot", sa.JSON(), nullable=True),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hearth.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('user', 'assistant', 'system')", name=op.f("ck_messages_role")
        ),
        sa.CheckConstraint(
            "status IN ('complete', 'streaming', 'interrupted', 'error', 'stopped')",
            name=op.f("ck_messages_status"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 4)", name=op.f("ck_messages_rating")
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_messages_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_chat_id_id", ["chat_id", "id"], unique=False)
        batch_op.create_index(
            "ix_messages_streaming",
            ["status"],
            unique=False,
            sqlite_where=sa.text("status = 'streaming'"),
            postgresql_where=sa.text("status = 'streaming'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_messages_streaming",
            sqlite_where=sa.text("status = 'streaming'"),
            postgresql_where=sa.text("status = 'streaming'"),
        )
        batch_op.drop_index("ix_messages_chat_id_id")

    op.drop_table("messages")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_index("ix_chats_user_id_deleted_at_last_message_at")
        batch_op.drop_index("ix_chats_character_id")
        batch_op.drop_index("ix_chats_active_message_id")

    op.drop_table("chats")
