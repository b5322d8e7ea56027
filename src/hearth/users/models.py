"""Accounts and personas."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from hearth.core.clock import utcnow
from hearth.core.db import Base, UTCDateTime
from hearth.core.ids import uuid7


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # Stored lower-cased, so the unique indexes make both case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    birthdate: Mapped[date | None] = mapped_column(Date)
    birthdate_changes: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    locale: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    avatar_key: Mapped[str | None] = mapped_column(String(255))
    show_nsfw: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_users_created_at", "created_at"),
        # The few blocked accounts, whose characters the catalog leaves out on every read.
        Index(
            "ix_users_blocked",
            "id",
            sqlite_where=text("is_blocked = true"),
            postgresql_where=text("is_blocked = true"),
        ),
    )


class Persona(Base):
    """Who the user plays in a chat: a name and a description the character sees."""

    __tablename__ = "personas"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_personas_user_id", "user_id", "created_at"),)
