"""Recovery: no message stays `streaming` once nothing writes it.

Only messages that no one writes any more are recovered: a restarting worker must not cut
off its live siblings (`chats/workers.py` tells which workers live). A periodic sweep
catches workers that died while the others kept running, and replies of its own worker
that ended without their end being stored (`chats/engine.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select, update

from hearth.chats.models import Chat, Message
from hearth.core.db import Database

log = logging.getLogger(__name__)

INTERRUPTED = {
    "code": "generation_interrupted",
    "message": "The server stopped while this reply was being written; what was written is kept.",
}
BATCH = 500

StillWritten = Callable[[Message], Awaitable[bool]]


async def recover_interrupted(database: Database, still_written: StillWritten) -> int:
    """Mark orphaned `streaming` messages `interrupted` (or `error` if empty); returns count."""
    recovered = 0
    async with database.sessionmaker() as session:
        rows = (
            await session.scalars(select(Message).where(Message.status == "streaming").limit(BATCH))
        ).all()
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
        await session.commit()
    if recovered:
        log.warning("chat.recovered_interrupted count=%d", recovered)
    return recovered
