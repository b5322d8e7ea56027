"""Providers configured at run time by administrators (in addition to env ones)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from hearth.core.clock import utcnow
from hearth.core.db import Base, UTCDateTime
from hearth.core.ids import uuid7


class LLMProviderRecord(Base):
    __tablename__ = "llm_providers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    # openai | openrouter | anthropic | gemini | yandex | local
    kind: Mapped[str] = mapped_column(String(16))
    # The prefix of its model ids (`name/model`), hence unique.
    name: Mapped[str] = mapped_column(String(32), unique=True)
    base_url: Mapped[str | None] = mapped_column(String(500))
    # Fernet token (see secret_box.py); never the plain key.
    api_key_encrypted: Mapped[str | None] = mapped_column(Text)
    # folder_id (yandex), headers, default_model, api_version (gemini)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"LLMProviderRecord(name={self.name!r}, kind={self.kind!r}, enabled={self.enabled})"
