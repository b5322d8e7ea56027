"""Recovery: no message stays `streaming` once nothing writes it, and no chat stays half
imported once nothing imports it.

Only what no one writes any more is recovered: a restarting worker must not cut
off its live siblings (`chats/workers.py` tells which workers live). A periodic sweep
catches workers that died while the others kept running, and replies of its own worker
that ended without their end being stored (`chats/engine.py`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, select, update

from hearth.chats.models import CHATS, Chat, Message
from hearth.chats.schemas import final_event
from hearth.core.db import Database

log = logging.getLogger(__name__)

INTERRUPTED = {
    "code": "generation_interrupted",
    "message": "The server stopped while this reply was being written; what was written is kept.",
}
BATCH = 500

StillWritten = Callable[[Message], Awaitable[bool]]
StillImporting = Callable[[uuid.UUID, str], Awaitable[bool]]  # (chat id, worker id)
# The hub's `end_orphan`: (message id, event, data).
Announce = Callable[[str, str, dict[str, Any]], Awaitable[None]]


async def recover_interrupted(
    database: Database,
    still_written: StillWritten,
    announce: Announce | None = None,
    *,
    message_id: uuid.UUID | None = None,
) -> int:
    """Mark orphaned `streaming` messages (or only `message_id`) `interrupted` (or `error`
    if empty), and `announce` the end of each; returns how many."""
    recovered = 0
    ends: list[tuple[str, str, dict[str, Any]]] = []
    streaming = select(Message).where(Message.status == "streaming")
    if message_id is not None:
        streaming = streaming.where(Message.id == message_id)
    async with database.sessionmaker() as session:
        rows = (await session.scalars(streaming.limit(BATCH))).all()
        for message in rows:
            if await still_written(message):
                continue
            # The chat before the message, in the order requests lock them (no deadlock).
            await session.execute(
                update(Chat)
                .where(Chat.id == message.chat_id, Chat.active_message_id == message.id)
                .values(active_message_id=None)
            )
            message.status = "interrupted" if message.content else "error"
            swipes = list(message.swipes or [""])
            if 0 <= message.swipe_index < len(swipes):
                swipes[message.swipe_index] = message.content
            message.swipes = swipes
            message.error = dict(INTERRUPTED)
            message.finish_reason = "interrupted"
            message.worker_id = None
            recovered += 1
            ends.append((str(message.id), *final_event(message)))
        await session.commit()
    if recovered:
        log.warning("chat.recovered_interrupted count=%d", recovered)
    if announce is None:
        return recovered
    for key, event, data in ends:
        try:
            await announce(key, event, data)
        except Exception as exc:  # e.g. Redis out: followers there end when the stream expires
            log.warning("chat.recovered_end_not_announced message=%s reason=%r", key, exc)
    return recovered


async def discard_broken_imports(database: Database, still_importing: StillImporting) -> int:
    """Delete the chats whose import its worker left unfinished; returns how many."""
    async with database.sessionmaker() as session:
        rows = (
            await session.execute(
                select(CHATS.c.id, CHATS.c.import_worker_id)
                .where(CHATS.c.import_worker_id.is_not(None))
                .limit(BATCH)
            )
        ).all()
        broken = [
            chat_id for chat_id, worker_id in rows if not await still_importing(chat_id, worker_id)
        ]
        if broken:
            await session.execute(delete(CHATS).where(CHATS.c.id.in_(broken)))  # messages cascade
            await session.commit()
    if broken:
        log.warning("chat.discarded_broken_imports count=%d", len(broken))
    return len(broken)
