"""Chats and their messages: one row per message, never a whole chat in one blob."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearth.characters.models import Character
from hearth.core.clock import utcnow
from hearth.core.db import Base, UTCDateTime
from hearth.core.ids import uuid7

MESSAGE_STATUSES = ("complete", "streaming", "interrupted", "error", "stopped")
ROLES = ("user", "assistant", "system")


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    character_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("characters.id", ondelete="CASCADE"))
    # Read-only and never loaded implicitly: filled by the queries that join it.
    character: Mapped[Character] = relationship(viewonly=True, lazy="raise")
    persona_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("personas.id", ondelete="SET NULL")
    )
    model: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_note: Mapped[str] = mapped_column(Text, default="")
    author_note_depth: Mapped[int] = mapped_column(Integer, default=4, server_default=text("4"))
    author_note_frequency: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # User turns so far: the author's note goes into every `frequency`-th prompt.
    turns: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The assistant message being generated, if any. Set with a conditional UPDATE, it is
    # the one-generation-per-chat lock that holds across workers (cleared on finish and by
    # start-up recovery).
    active_message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The worker writing a long imported chat's messages, batch by batch: until the last is
    # in, the chat is hidden from its owner; if that worker dies, recovery deletes the chat.
    import_worker_id: Mapped[str | None] = mapped_column(String(32))
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # The chat list: a user's chats outside the trash, pinned first, then newest activity.
        Index("ix_chats_user_list", "user_id", "deleted_at", "pinned", "last_message_at", "id"),
        Index("ix_chats_character_id", "character_id"),
        # Start-up recovery finds the chats left mid-generation without a full scan.
        Index("ix_chats_active_message_id", "active_message_id"),
        # The trash purge finds the chats trashed long enough ago.
        Index(
            "ix_chats_trashed",
            "deleted_at",
            sqlite_where=text("deleted_at IS NOT NULL"),
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
        # Recovery finds the imports left unfinished without a full scan.
        Index(
            "ix_chats_importing",
            "import_worker_id",
            sqlite_where=text("import_worker_id IS NOT NULL"),
            postgresql_where=text("import_worker_id IS NOT NULL"),
        ),
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    chat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    # The current alternative (swipe); `swipes` holds all of them, small and bounded.
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="complete")
    swipes: Mapped[list[str] | None] = mapped_column(JSON)
    swipe_index: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The status, error, model and usage of each swipe but the current one (hearth.chats.swipes).
    swipe_info: Mapped[list[dict[str, Any] | None] | None] = mapped_column(JSON)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    model: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(64))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Which process is generating it (see hearth.chats.recovery).
    worker_id: Mapped[str | None] = mapped_column(String(32))
    # Its latest generation's `start` event id, and the length of its text then (what a
    # continue began from): a client's Last-Event-ID says how much of the text it holds,
    # for a worker that follows the reply from the database (hearth.chats.hub).
    stream_start: Mapped[int | None] = mapped_column(BigInteger)
    stream_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(
            "status IN ('complete', 'streaming', 'interrupted', 'error', 'stopped')",
            name="status",
        ),
        CheckConstraint("role IN ('user', 'assistant', 'system')", name="role"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 4)", name="rating"),
        # Paging newest-first and reading the prompt window: ids are time-ordered (uuid7).
        Index("ix_messages_chat_id_id", "chat_id", "id"),
        # Recovery finds the messages left `streaming` without scanning the table.
        Index(
            "ix_messages_streaming",
            "status",
            sqlite_where=text("status = 'streaming'"),
            postgresql_where=text("status = 'streaming'"),
        ),
    )


class PromptSnapshot(Base):
    """The exact prompt that produced one swipe of a reply, with tokens per part, for the
    owner's prompt inspector. A row per swipe, apart from the message: it is large (it
    refers to every message of the window) and read only when asked for."""

    __tablename__ = "prompt_snapshots"

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    swipe_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


# The tables for Core statements (the hot path's and bulk copies' rows, not entities).
CHATS = cast(Table, Chat.__table__)
MESSAGES = cast(Table, Message.__table__)
PROMPT_SNAPSHOTS = cast(Table, PromptSnapshot.__table__)
