"""Moderation rules admins edit, and reports (from users, or raised by moderation)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from hearth.core.clock import utcnow
from hearth.core.db import Base, UTCDateTime
from hearth.core.ids import uuid7


class ModerationRule(Base):
    """A word (whole word, case-insensitive) or a regular expression; `block` refuses the
    text, `flag` lets it through and files a report for admins."""

    __tablename__ = "moderation_rules"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    pattern: Mapped[str] = mapped_column(String(500))
    is_regex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    action: Mapped[str] = mapped_column(String(8), default="block")
    # messages | characters | all
    scope: Mapped[str] = mapped_column(String(16), default="all")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("action IN ('block', 'flag')", name="action"),
        CheckConstraint("scope IN ('messages', 'characters', 'all')", name="scope"),
    )


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # character | message | text (a flagged message not stored yet is kept as an excerpt)
    target_type: Mapped[str] = mapped_column(String(16))
    character_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    chat_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The user reporting; None when moderation filed it.
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # Whose content it is (the message's author, the character's creator).
    subject_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(16), default="user")  # user | moderation
    reason: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),
        CheckConstraint("target_type IN ('character', 'message', 'text')", name="target_type"),
        # The admins' queue: open reports, oldest first (ids are time-ordered).
        Index("ix_reports_status_id", "status", "id"),
        # One open report per user and target: reporting twice is idempotent.
        Index(
            "ix_reports_reporter_target", "reporter_id", "target_type", "character_id", "message_id"
        ),
    )
