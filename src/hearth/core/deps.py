"""Typed dependencies for what the app builds in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.config import Settings
from hearth.core.db import Database
from hearth.core.mail import Mailer
from hearth.limits.rate import RateLimiter


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_database(request: Request) -> Database:
    return cast(Database, request.app.state.db)


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    read_mostly = request.method in ("GET", "HEAD")
    async for session in get_database(request).session(read_mostly=read_mostly):
        yield session


def get_mailer(request: Request) -> Mailer:
    return cast(Mailer, request.app.state.mailer)


def get_limiter(request: Request) -> RateLimiter:
    return cast(RateLimiter, request.app.state.limiter)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
# Committed before the response is sent, so a 2xx means the change is durable.
DbDep = Annotated[AsyncSession, Depends(get_db, scope="function")]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]
