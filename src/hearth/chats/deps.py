"""Typed dependencies of the chats routers."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from hearth.chats.engine import ChatEngine
from hearth.storage.backend import Storage


async def get_engine(request: Request) -> ChatEngine:
    return cast(ChatEngine, request.app.state.chat_engine)


async def get_storage(request: Request) -> Storage:
    return cast(Storage, request.app.state.storage)


EngineDep = Annotated[ChatEngine, Depends(get_engine)]
MediaDep = Annotated[Storage, Depends(get_storage)]


def wants_json(request: Request) -> bool:
    """`Accept: application/json` (and not event-stream) asks for the finished pair."""
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/event-stream" not in accept
