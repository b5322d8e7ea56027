"""The audit log of administrators' actions, and settings they change at run time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from hearth.core.clock import utcnow
from hearth.core.db import Base, UTCDateTime
from hearth.core.ids import uuid7


class AuditEntry(Base):
    """Who did what to which object, when, and the object before and after."""

    __tablename__ = "audit_log"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The log is read newest first (ids are time-ordered), by object, or by actor.
        Index("ix_audit_log_target", "target_type", "target_id", "id"),
        Index("ix_audit_log_actor_id", "actor_id", "id"),
    )


class RuntimeSetting(Base):
    """A setting an admin changed while the app runs (e.g. the default model)."""

    __tablename__ = "runtime_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
