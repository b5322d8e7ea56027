"""Request and response shapes of the admin API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
)

from hearth.chats.schemas import MessageOut
from hearth.core.json_value import JsonObject
from hearth.limits.schemas import MAX_AMOUNT_MICROS, DailyUnits, UsageOut


class StatsOut(BaseModel):
    since: datetime
    users: int = Field(
        description="People's accounts, blocked ones included; not the system account that "
        "owns the built-in characters."
    )
    characters: int = Field(
        description="Characters not deleted, of every visibility, blocked ones and the "
        "built-in (demo) characters included."
    )
    built_in_characters: int = Field(description="Of `characters`, the built-in demo ones.")
    chats: int = Field(description="Chats not in the trash.")
    messages: int = Field(description="Every stored message, greetings included.")
    active_users: int = Field(description="Users with at least one reply since `since`.")
    new_users_per_day: list[dict[str, Any]] = Field(
        description="`{day, count}` of people's accounts created since `since` (UTC days)."
    )
    usage_per_day: list[dict[str, Any]]
    usage_per_model: list[dict[str, Any]]


class AdminUserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    username: str
    display_name: str | None
    birthdate: date | None
    is_admin: bool
    is_active: bool
    is_blocked: bool
    blocked_reason: str | None
    email_verified_at: datetime | None
    created_at: datetime


class AdminChatRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    character_id: uuid.UUID
    character_name: str
    created_at: datetime
    last_message_at: datetime
    deleted: bool


class AdminUserDetail(AdminUserOut):
    email_verified: bool
    characters_created: int
    chats_count: int
    chats: list[AdminChatRow]
    chats_next_cursor: str | None
    usage: UsageOut


class BlockIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class PlanAssignIn(BaseModel):
    """A plan (None: the default plan) and/or the user's own daily units (None: the plan's)."""

    plan_id: uuid.UUID | None = None
    daily_units: DailyUnits | None = None


class DepositIn(BaseModel):
    """Integer micro-units of money (1_000_000 = 1 USD); negative corrects (never below 0)."""

    amount: int = Field(ge=-MAX_AMOUNT_MICROS, le=MAX_AMOUNT_MICROS)
    note: str = Field(default="", max_length=500)


class DepositOut(BaseModel):
    transaction_id: uuid.UUID
    amount: int
    balance: int


class AdminCharacterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    tagline: str
    creator_id: uuid.UUID | None
    visibility: str
    content_rating: str
    is_blocked: bool
    deleted_at: datetime | None
    chats_count: int
    messages_count: int
    likes_count: int
    created_at: datetime
    updated_at: datetime


class AdminChatOut(BaseModel):
    id: uuid.UUID
    title: str
    user_id: uuid.UUID
    username: str | None
    character_id: uuid.UUID
    character_name: str | None
    model: str | None
    created_at: datetime
    last_message_at: datetime
    deleted_at: datetime | None
    messages: list[MessageOut]
    next_cursor: str | None


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    actor_id: uuid.UUID | None
    action: str
    target_type: str
    target_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)


def _http_address(value: str) -> str:
    """An http(s) URL with a host, kept as written. The URL parser would quietly drop control
    characters and spaces that the provider SDKs then refuse, so those are refused here."""
    if not value.isprintable() or any(character.isspace() for character in value):
        raise ValueError("must not contain spaces or control characters")
    _HTTP_URL.validate_python(value)
    return value


ProviderAddress = Annotated[str, Field(max_length=500), AfterValidator(_http_address)]
# A Yandex Cloud folder id (like `b1g2abc3def4ghi5jkl6`). It travels in a request header
# and in model URIs (`gpt://<folder>/...`), so only letters, digits, '-' and '_' pass.
FolderId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="YandexGPT only, and required there: the Yandex Cloud folder that owns "
        "the API key (stored as `extra.folder_id`).",
    ),
]


class ProviderOut(BaseModel):
    name: str
    kind: str
    source: str
    base_url: str | None
    enabled: bool
    has_key: bool
    default_model: str | None
    folder_id: str | None = Field(description="The Yandex Cloud folder of a YandexGPT provider.")
    circuit: str


class ProviderIn(BaseModel):
    name: str = Field(min_length=1, max_length=32)
    kind: str
    base_url: ProviderAddress | None = None
    api_key: SecretStr | None = None
    folder_id: FolderId | None = None
    extra: JsonObject | None = None
    enabled: bool = True


class ProviderUpdate(BaseModel):
    """Leave `api_key` out to keep the stored key; send null to remove it. Leave
    `folder_id` out to keep the stored one."""

    kind: str | None = None
    base_url: ProviderAddress | None = None
    api_key: SecretStr | None = None
    folder_id: FolderId | None = None
    extra: JsonObject | None = None
    enabled: bool | None = None


class ProviderCheckOut(BaseModel):
    provider: str
    model: str
    ok: bool
    status: str
    latency_ms: int | None
    code: str | None
    # Stored but switched off by an administrator: listed, never contacted.
    disabled: bool = False


class ModelsIn(BaseModel):
    default_model: str | None = None
    fallback_models: list[str] = Field(default_factory=list, max_length=10)


class ModelsOut(BaseModel):
    default_model: str
    configured_default_model: str | None
    fallback_models: list[str]
