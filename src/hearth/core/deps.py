"""Typed dependencies for what the app builds in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.config import Settings
from hearth.core.db import Database
from hearth.core.mail import Mailer
from hearth.limits.rate import RateLimiter

# Dependencies that only read app.state are `async def`: FastAPI runs a plain `def` one in a
# worker thread, a trip per request for nothing.


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_database(request: Request) -> Database:
    return cast(Database, request.app.state.db)


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def short_statements(endpoint: Endpoint) -> Endpoint:
    """Marks an endpoint whose statements (its dependencies' included) are few, indexed and
    bounded: on SQLite they run on the event loop, without a trip to a thread each.

    For the chat's hot path only; anything that may scan or write many rows stays off it.
    """
    endpoint.hearth_inline = True  # type: ignore[attr-defined]
    return endpoint


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    read_mostly = request.method in ("GET", "HEAD")
    inline = getattr(request.scope.get("endpoint"), "hearth_inline", False)
    database = await get_database(request)
    # A context manager, not a generator looped over: an error thrown in here must reach
    # its rollback now, not when the abandoned generator is collected.
    async with database.session(read_mostly=read_mostly, inline=inline) as session:
        yield session


async def get_mailer(request: Request) -> Mailer:
    return cast(Mailer, request.app.state.mailer)


async def get_limiter(request: Request) -> RateLimiter:
    return cast(RateLimiter, request.app.state.limiter)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
# Committed before the response is sent, so a 2xx means the change is durable.
DbDep = Annotated[AsyncSession, Depends(get_db, scope="function")]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]
