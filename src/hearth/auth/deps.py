"""Who is calling: typed dependencies that authenticate and authorise."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hearth.auth import service
from hearth.core.deps import DbDep, SettingsDep
from hearth.core.errors import Forbidden, NotAuthenticated
from hearth.users.models import User

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: uuid.UUID


async def get_principal(db: DbDep, settings: SettingsDep, credentials: BearerDep) -> Principal:
    if credentials is None:
        raise NotAuthenticated()
    user, session_id = await service.authenticate(db, settings, credentials.credentials)
    return Principal(user, session_id)


async def get_optional_principal(
    request: Request, db: DbDep, settings: SettingsDep, credentials: BearerDep
) -> Principal | None:
    """The caller if signed in; anonymous callers get None (public endpoints)."""
    if credentials is None:
        return None
    return await get_principal(db, settings, credentials)


async def get_current_user(principal: Annotated[Principal, Depends(get_principal)]) -> User:
    return principal.user


async def get_optional_user(
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> User | None:
    return principal.user if principal else None


async def get_admin(user: Annotated[User, Depends(get_current_user)]) -> User:
    if not user.is_admin:
        raise Forbidden("Administrators only.")
    return user


PrincipalDep = Annotated[Principal, Depends(get_principal)]
CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]
AdminUser = Annotated[User, Depends(get_admin)]
