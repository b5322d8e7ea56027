"""Start-up recovery: no message stays `streaming` after the process that wrote it died.

Only messages whose worker is gone are recovered (`chats/workers.py` tells): a restarting
worker must not cut off its live siblings. A periodic sweep catches workers that died while
the others kept running.
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

WorkerAlive = Callable[[str | None], Awaitable[bool]]


async def recover_interrupted(database: Database, alive: WorkerAlive) -> int:
    """Mark orphaned `streaming` messages `interrupted` (or `error` if empty); returns count."""
    recovered = 0
    async with database.sessionmaker() as session:
        rows = (
            await session.scalars(select(Message).where(Message.status == "streaming").limit(BATCH))
        ).all()
        for message in rows:
            if await alive(message.worker_id):
                continue
            message.status = "interrupted" if message.content else "error"
            swipes = list(message.swipes or [""])
            if 0 <= message.swipe_index < len(swipes):
                swipes[message.swipe_index] = message.content
            message.swipes = swipes
            message.error = dict(INTERRUPTED)
            message.finish_reason = "interrupted"
            message.worker_id = None
            await session.execute(
                update(Chat)
                .where(Chat.id == message.chat_id, Chat.active_message_id == message.id)
                .values(active_message_id=None)
            )
            recovered += 1
        await session.commit()
    if recovered:
        log.warning("chat.recovered_interrupted count=%d", recovered)
    return recovered
