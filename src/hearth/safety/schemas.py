"""Request and response shapes of reports and moderation rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReportReason = Literal[
    "spam", "harassment", "sexual_content", "minors", "violence", "illegal", "other"
]


class ReportIn(BaseModel):
    target_type: Literal["character", "message"]
    target_id: uuid.UUID
    reason: ReportReason
    details: str = Field(default="", max_length=2000)


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    target_type: str
    character_id: uuid.UUID | None
    message_id: uuid.UUID | None
    chat_id: uuid.UUID | None
    reason: str
    details: str
    status: str
    created_at: datetime


class AdminReportOut(ReportOut):
    reporter_id: uuid.UUID | None
    subject_user_id: uuid.UUID | None
    source: str
    excerpt: str
    resolved_by: uuid.UUID | None
    resolved_at: datetime | None
    resolution_note: str


class ResolveIn(BaseModel):
    note: str = Field(default="", max_length=500)
    block_character: bool = False
    block_user: bool = False


class RuleIn(BaseModel):
    pattern: str = Field(min_length=1, max_length=500)
    is_regex: bool = False
    action: Literal["block", "flag"] = "block"
    scope: Literal["messages", "characters", "all"] = "all"
    note: str = Field(default="", max_length=200)


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    pattern: str
    is_regex: bool
    action: str
    scope: str
    note: str
    created_at: datetime
