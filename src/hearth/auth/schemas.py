"""Shapes of the sign-in API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from hearth.users.schemas import DisplayName, Locale, check_birthdate, normalize_username

Password = Annotated[str, Field(min_length=8, max_length=256)]
Token = Annotated[str, StringConstraints(min_length=10, max_length=512)]


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=254)
    username: str = Field(max_length=64)
    password: Password
    display_name: DisplayName | None = None
    birthdate: date | None = None
    locale: Locale = "en"

    _username = field_validator("username")(normalize_username)
    _birthdate = field_validator("birthdate")(check_birthdate)

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str) -> str:
        return value.lower()


class LoginIn(BaseModel):
    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshIn(BaseModel):
    refresh_token: Token


class TokenIn(BaseModel):
    token: Token


class ForgotIn(BaseModel):
    email: EmailStr


class ResendIn(BaseModel):
    email: EmailStr


class ResetIn(BaseModel):
    token: Token
    password: Password


class ChangePasswordIn(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password
