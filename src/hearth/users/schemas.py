"""Shapes of the account API."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

USERNAME_RE = re.compile(r"^[a-z0-9_]{3,32}$")
Locale = Literal["ru", "en", "es"]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def normalize_username(value: str) -> str:
    value = value.strip().lower()
    if not USERNAME_RE.match(value):
        raise ValueError("Username must be 3–32 characters: letters a–z, digits and _.")
    return value


def check_birthdate(value: date | None) -> date | None:
    if value is None:
        return None
    today = date.today()
    if value > today or value.year < today.year - 120:
        raise ValueError("Birthdate is not plausible.")
    return value


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    username: str
    display_name: str | None
    birthdate: date | None
    locale: str
    avatar_url: str | None = None
    is_admin: bool
    show_nsfw: bool
    email_verified: bool = False
    created_at: datetime


class PublicUser(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str | None = None


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    birthdate: date | None = None
    locale: Locale | None = None
    show_nsfw: bool | None = None

    _birthdate = field_validator("birthdate")(check_birthdate)


class AvatarOut(BaseModel):
    avatar_url: str


class PersonaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    description: str = Field(default="", max_length=4000)
    is_default: bool = False


class PersonaUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None
    ) = None
    description: str | None = Field(default=None, max_length=4000)
    is_default: bool | None = None


class PersonaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    is_default: bool
    created_at: datetime


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_agent: str | None
    ip: str | None
    created_at: datetime
    last_used_at: datetime
    current: bool = False
