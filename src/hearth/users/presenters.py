"""Turning account rows into API shapes."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from hearth.storage.backend import Storage
from hearth.users.models import User
from hearth.users.schemas import UserOut


def avatar_url(storage: Storage, key: str | None) -> str | None:
    return storage.url(key) if key else None


def present_user(user: User, request: HTTPConnection) -> UserOut:
    storage: Storage = request.app.state.storage
    return UserOut(
        id=user.id,
        email=user.email,
        username=user.username,
        display_name=user.display_name,
        birthdate=user.birthdate,
        locale=user.locale,
        avatar_url=avatar_url(storage, user.avatar_key),
        is_admin=user.is_admin,
        show_nsfw=user.show_nsfw,
        email_verified=user.email_verified_at is not None,
        created_at=user.created_at,
    )
