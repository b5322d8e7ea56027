"""Typed dependencies of the chats routers."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from hearth.auth.deps import CurrentUser
from hearth.chats.engine import ChatEngine
from hearth.core.deps import DbDep, LimiterDep, SettingsDep
from hearth.limits.deps import limit_sends
from hearth.safety.deps import moderate_message
from hearth.storage.backend import Storage
from hearth.users.models import User


async def get_engine(request: Request) -> ChatEngine:
    return cast(ChatEngine, request.app.state.chat_engine)


async def get_storage(request: Request) -> Storage:
    return cast(Storage, request.app.state.storage)


async def get_sending_user(
    request: Request, user: CurrentUser, db: DbDep, limiter: LimiterDep, settings: SettingsDep
) -> User:
    """The sender of a message, once its rate limits and moderation have passed.

    One dependency instead of `SendRateLimit` and `ModerateMessage` beside `CurrentUser`:
    FastAPI walks the whole tree of a shared dependency again for each dependant naming it,
    and on the way to every reply's first token that was 23 nodes where 12 do.
    """
    await limit_sends(request, user, limiter, settings)
    await moderate_message(request, user, db)
    return user


EngineDep = Annotated[ChatEngine, Depends(get_engine)]
MediaDep = Annotated[Storage, Depends(get_storage)]
SendingUser = Annotated[User, Depends(get_sending_user)]


def wants_json(request: Request) -> bool:
    """`Accept: application/json` (and not event-stream) asks for the finished pair."""
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/event-stream" not in accept
