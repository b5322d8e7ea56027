"""Prompt snapshots: one per swipe, in a table of their own.

A regenerate wrote over the snapshot of the earlier swipe, so the inspector showed a swipe
chosen again with a prompt that was not the one that produced it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def upgrade() -> None:
    # The foreign key comes last: SQLite drops a column by copying the table, and dropping the
    # old `messages` would first delete its rows, and with them, by the key, the snapshots.
    op.create_table(
        "prompt_snapshots",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("swipe_index", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "swipe_index", name=op.f("pk_prompt_snapshots")),
    )
    _move_snapshots()
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("prompt_snapshot")
    with op.batch_alter_table("prompt_snapshots", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_prompt_snapshots_message_id_messages"),
            "messages",
            ["message_id"],
            ["id"],
            ondelete="CASCADE",
        )


def _move_snapshots() -> None:
    """Each message's one snapshot was that of its latest generation, which was most often
    its last swipe (a regenerate appends one); a continue wrote the swipe shown then."""
    messages = sa.table(
        "messages",
        sa.column("id", sa.Uuid()),
        sa.column("swipes", sa.JSON()),
        sa.column("swipe_index", sa.Integer()),
        sa.column("prompt_snapshot", sa.JSON()),
    )
    snapshots = sa.table(
        "prompt_snapshots",
        sa.column("message_id", sa.Uuid()),
        sa.column("swipe_index", sa.Integer()),
        sa.column("snapshot", sa.JSON()),
    )
    bind = op.get_bind()
    after = None
    while True:  # in batches by id: snapshots are large
        query = sa.select(messages).where(messages.c.prompt_snapshot.is_not(None))
        if after is not None:
            query = query.where(messages.c.id > after)
        rows = bind.execute(query.order_by(messages.c.id).limit(BATCH)).all()
        if not rows:
            return
        after = rows[-1].id
        moved = [
            {
                "message_id": row.id,
                "swipe_index": len(row.swipes) - 1 if row.swipes else row.swipe_index,
                "snapshot": row.prompt_snapshot,
            }
            for row in rows
            if row.prompt_snapshot is not None  # a JSON null
        ]
        if moved:
            bind.execute(snapshots.insert(), moved)


def downgrade() -> None:
    with op.batch_alter_table("prompt_snapshots", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_prompt_snapshots_message_id_messages"), type_="foreignkey"
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prompt_snapshot", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE messages SET prompt_snapshot = (SELECT snapshot FROM prompt_snapshots AS p "
        "WHERE p.message_id = messages.id AND p.swipe_index = messages.swipe_index)"
    )
    op.drop_table("prompt_snapshots")
